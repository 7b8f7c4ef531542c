// FileInput's side of the Input interface; how it follows files is in
// file_input.cpp.
#include <algorithm>
#include <chrono>

#include "file_input.hpp"

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
  InputStatus status{config_.name,
                     "file",
                     address,
                     state,
                     processor_.counters().received->value(),
                     processor_.counters().malformed_total(),
                     {}};
  auto const now = std::chrono::steady_clock::now();
  for (auto const& followed_path : followed_paths_) {
    FileReader const* reader = followed_path->reader();
    if (reader == nullptr) continue;
    FileLag& lag = status.files.emplace_back();
    lag.path = followed_path->path();
    lag.offset = reader->committed_offset();
    lag.size = std::max(reader->size(), reader->read_offset());
    if (followed_path->last_line_at)
      lag.seconds_since_last_line =
          std::chrono::duration<double>(now - *followed_path->last_line_at).count();
  }
  std::sort(status.files.begin(), status.files.end(),
            [](FileLag const& a, FileLag const& b) { return a.path < b.path; });
  return status;
}

void FileInput::reconfigure(InputConfig const& config, LineParser parser,
                            InputContext const& context) {
  reconfigure(std::get<FileInputConfig>(config), std::move(parser), context.max_line_bytes,
              context.positions);
}

}  // namespace cos_exporter
