#include "cos_exporter/config/label_settings.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <map>

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {
namespace {

std::string quoted(std::string_view name) {
  std::string out(1, '"');
  out.append(name);
  out += '"';
  return out;
}

bool is_label_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

std::string label_name_problem(std::string_view name) {
  if (name.empty()) return "a label name must not be empty";
  bool valid = is_label_start(name.front()) &&
               std::all_of(name.begin() + 1, name.end(),
                           [](char c) { return is_label_start(c) || (c >= '0' && c <= '9'); });
  if (!valid) return quoted(name) + " is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)";
  if (name.starts_with("__"))
    return quoted(name) + " is reserved: names starting with __ are Prometheus'";
  static constexpr std::array<std::string_view, 5> kTaken{"category", "code", "name", "group",
                                                          "outcome"};
  if (std::find(kTaken.begin(), kTaken.end(), name) != kTaken.end())
    return quoted(name) + " is reserved: the event series already have that label";
  // Prometheus sets these on every series it scrapes; a scrape that honours
  // the exporter's labels would let an event overwrite which target it is.
  if (name == "job" || name == "instance")
    return quoted(name) + " is reserved: Prometheus labels every series with its target's";
  return {};
}

std::vector<std::string> read_exemplar_fields(YamlReader const& yaml, YAML::Node const& node) {
  yaml.require_sequence(node, "exemplar_fields");
  if (node.size() > kMaxExemplarFields)
    yaml.fail(node, "exemplar_fields holds at most " + std::to_string(kMaxExemplarFields) +
                        " fields (an exemplar has room for 128 characters)");
  std::vector<std::string> fields;
  for (auto const& item : node) {
    std::string field = yaml.string(item, "exemplar field");
    if (auto problem = label_name_problem(field); !problem.empty())
      yaml.fail(item, "exemplar field: " + problem);
    if (std::find(fields.begin(), fields.end(), field) != fields.end())
      yaml.fail(item, "exemplar field \"" + field + "\" is listed twice");
    fields.push_back(std::move(field));
  }
  return fields;
}

std::vector<EventLabelConfig> read_event_labels(YamlReader const& yaml, YAML::Node const& node) {
  yaml.require_sequence(node, "event_labels");
  std::vector<EventLabelConfig> labels;
  for (auto const& item : node) {
    yaml.require_map(item, "an event label");
    yaml.check_keys(item, {"name", "field", "max_values"}, "an event label");
    EventLabelConfig label;
    if (!item["name"] || !item["field"]) yaml.fail(item, "an event label needs a name and a field");
    label.name = yaml.string(item["name"], "name");
    if (auto problem = label_name_problem(label.name); !problem.empty())
      yaml.fail(item["name"], "event label: " + problem);
    for (auto const& other : labels)
      if (other.name == label.name)
        yaml.fail(item["name"], "event label " + quoted(label.name) + " is listed twice");
    label.field = yaml.string(item["field"], "field");
    if (label.field.empty()) yaml.fail(item["field"], "an event label's field must not be empty");
    if (auto n = item["max_values"])
      label.max_values =
          static_cast<std::uint32_t>(yaml.unsigned_integer(n, "max_values", 1, 100000));
    labels.push_back(std::move(label));
  }
  if (labels.size() > kMaxExtraLabels)
    yaml.fail(node, "at most " + std::to_string(kMaxExtraLabels) + " extra labels in all");
  return labels;
}

StaticLabels read_static_labels(YamlReader const& yaml, YAML::Node const& node,
                                std::set<std::string> const& event_label_names) {
  yaml.require_map(node, "labels");
  StaticLabels labels;
  for (auto const& item : node) {
    std::string name = yaml.string(item.first, "label name");
    if (auto problem = label_name_problem(name); !problem.empty())
      yaml.fail(item.first, "labels: " + problem);
    if (event_label_names.contains(name))
      yaml.fail(item.first, "labels: " + quoted(name) + " is already an event label");
    std::string value = yaml.string(item.second, "label value");
    if (!is_valid_utf8(value)) yaml.fail(item.second, "a label value must be UTF-8");
    if (value.size() > kMaxLabelValueBytes)
      yaml.fail(item.second,
                "a label value holds at most " + std::to_string(kMaxLabelValueBytes) + " bytes");
    labels.emplace(std::move(name), std::move(value));
  }
  return labels;
}

void check_path_labels(YamlReader const& yaml, YAML::Node const& node, std::string const& regex,
                       StaticLabels const& labels, std::set<std::string> const& event_label_names) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 compiled(regex, options);
  if (!compiled.ok()) yaml.fail(node, "invalid path_labels regex: " + compiled.error());
  if (compiled.NamedCapturingGroups().empty())
    yaml.fail(node, "path_labels needs named groups, e.g. (?P<namespace>[^_]+)");
  for (auto const& [name, index] : compiled.NamedCapturingGroups()) {
    if (auto problem = label_name_problem(name); !problem.empty())
      yaml.fail(node, "path_labels: " + problem);
    if (event_label_names.contains(name) || labels.contains(name))
      yaml.fail(node, "path_labels: " + quoted(name) + " is already a label of this input");
  }
}

std::vector<std::string> path_label_names(std::string const& regex) {
  if (regex.empty()) return {};
  RE2 compiled(regex);
  std::map<int, std::string> by_position;
  for (auto const& [name, index] : compiled.NamedCapturingGroups()) by_position[index] = name;
  std::vector<std::string> names;
  for (auto& [index, name] : by_position) names.push_back(std::move(name));
  return names;
}

std::set<std::string> static_label_names(Config const& config) {
  std::set<std::string> names;
  for (auto const& input : config.inputs)
    for (auto const& [name, value] : input_settings(input).labels) names.insert(name);
  return names;
}

std::vector<std::string> extra_label_names(Config const& config) {
  std::set<std::string> names = static_label_names(config);
  for (auto const& label : config.event_labels) names.insert(label.name);
  for (auto const& input : config.inputs) {
    if (auto const* file = std::get_if<FileInputConfig>(&input))
      for (auto& name : path_label_names(file->path_labels)) names.insert(std::move(name));
  }
  return {names.begin(), names.end()};
}

}  // namespace cos_exporter
