#include "cos_exporter/config/label_settings.hpp"

#include <algorithm>
#include <array>

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

}  // namespace cos_exporter
