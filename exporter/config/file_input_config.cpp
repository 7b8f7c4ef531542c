#include "cos_exporter/config/file_input_config.hpp"

#include "cos_exporter/config/label_settings.hpp"

namespace cos_exporter {

void read_input_settings(InputReader const& reader, YAML::Node const& node,
                         FileInputConfig& input) {
  auto const& yaml = reader.yaml;
  if (!node["path"]) yaml.fail(node, "file input \"" + input.name + "\" needs a path");
  input.path = reader.non_empty_string(node["path"], "path");
  check_glob(yaml, node["path"], input.path, true);
  if (auto n = node["start_at"]) {
    std::string text = yaml.string(n, "start_at");
    if (text == "end")
      input.start_at = StartAt::end;
    else if (text == "beginning")
      input.start_at = StartAt::beginning;
    else
      yaml.fail(n, "start_at must be end or beginning, got \"" + text + "\"");
  }
  if (auto n = node["path_labels"]) {
    input.path_labels = yaml.string(n, "path_labels");
    check_path_labels(yaml, n, input.path_labels, input.labels, reader.event_label_names);
  }
}

}  // namespace cos_exporter
