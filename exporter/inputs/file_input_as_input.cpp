// FileInput's side of the Input interface; how it follows files is in
// file_input.cpp.
#include "cos_exporter/inputs/file_input.hpp"

namespace cos_exporter {

InputStatus FileInput::status() const {
  std::string address = config_.path;
  auto followed = followed_paths();
  if (!followed.empty()) {
    address += " (";
    for (std::size_t i = 0; i < followed.size(); ++i) address += (i ? ", " : "") + followed[i];
    address += ")";
  }
  std::string state = followed.empty() ? "waiting for files"
                      : followed.size() == 1
                          ? "following 1 file"
                          : "following " + std::to_string(followed.size()) + " files";
  return {config_.name,
          "file",
          address,
          state,
          processor_.counters().received->value(),
          processor_.counters().malformed_total()};
}

void FileInput::reconfigure(InputConfig const& config, LineParser parser,
                            InputContext const& context) {
  reconfigure(std::get<FileInputConfig>(config), std::move(parser), context.max_line_bytes,
              context.positions);
}

}  // namespace cos_exporter
