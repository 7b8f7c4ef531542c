#pragma once

#include <string>
#include <string_view>

#include "cos_exporter/config/input_settings.hpp"

namespace cos_exporter {

enum class StartAt { end, beginning };

// A file input (what an input kind's config holds: socket_input_config.hpp).
struct FileInputConfig : InputSettings {
  static constexpr std::string_view kKey = "files";
  static constexpr std::string_view kKeys[] = {"path", "start_at", "path_labels"};
  FileInputConfig() { name = "file"; }

  std::string path;  // a glob
  StartAt start_at = StartAt::end;
  std::string path_labels;  // an RE2 regex whose named groups label the events of each file
  bool operator==(FileInputConfig const&) const = default;

  std::string identity() const { return "file " + path; }
  // Its name: its positions are recorded under it.
  std::string holds() const { return name; }
};
void read_input_settings(InputReader const& reader, YAML::Node const& node, FileInputConfig& input);

}  // namespace cos_exporter
