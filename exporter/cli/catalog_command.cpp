#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iomanip>
#include <ostream>

#include "cos_exporter/cli/commands.hpp"
#include "cos_exporter/common/json_string.hpp"
#include "sdk_list.hpp"

namespace cos_exporter {
namespace {

std::string group_list(Classifier const& classifier, CatalogEntry const& entry) {
  GroupMask mask = classifier.group_matcher().match(entry.code, entry.name, entry.category);
  std::string names;
  auto groups = classifier.group_matcher().groups();
  for_each_group(mask, [&](unsigned i) { names += (names.empty() ? "" : ",") + groups[i].name; });
  return names;
}

void print_table(Classifier const& classifier, std::ostream& out) {
  auto entries = classifier.catalog().entries();
  std::size_t name_width = 4;
  for (auto const& e : entries) name_width = std::max(name_width, e.name.size());
  out << std::left << std::setw(8) << "CODE" << std::setw(13) << "CATEGORY" << std::setw(9)
      << "KIND" << std::setw(static_cast<int>(name_width) + 2) << "NAME" << std::setw(13) << "SDK"
      << "DESCRIPTION\n";
  for (auto const& e : entries) {
    out << std::left << std::setw(8) << e.code << std::setw(13) << to_string(e.category)
        << std::setw(9) << to_string(e.kind) << std::setw(static_cast<int>(name_width) + 2)
        << e.name << std::setw(13) << (e.sdks.empty() ? "-" : sdk_list(e.sdks)) << e.description_en
        << " (" << e.description << ")\n";
  }
}

void print_json(Classifier const& classifier, std::ostream& out) {
  std::string text = "[\n";
  bool first = true;
  for (auto const& e : classifier.catalog().entries()) {
    text += first ? "  {" : ",\n  {";
    first = false;
    text += "\"code\":" + std::to_string(e.code) + ",\"name\":";
    append_json_string(text, e.name);
    text += ",\"category\":";
    append_json_string(text, to_string(e.category));
    text += ",\"kind\":";
    append_json_string(text, to_string(e.kind));
    text += ",\"description\":";
    append_json_string(text, e.description);
    text += ",\"description_en\":";
    append_json_string(text, e.description_en);
    text += ",\"groups\":";
    append_json_string(text, group_list(classifier, e));
    text += ",\"sdk\":[";
    for (std::size_t i = 0; i < e.sdks.size(); ++i) {
      if (i > 0) text += ",";
      append_json_string(text, to_string(e.sdks[i]));
    }
    text += "]";
    text += "}";
  }
  text += "\n]\n";
  out << text;
}

void print_yaml(Classifier const& classifier, std::ostream& out) {
  YAML::Emitter emitter;
  emitter << YAML::BeginMap << YAML::Key << "entries" << YAML::Value << YAML::BeginSeq;
  for (auto const& e : classifier.catalog().entries()) {
    emitter << YAML::BeginMap << YAML::Key << "code" << YAML::Value << e.code << YAML::Key << "name"
            << YAML::Value << YAML::DoubleQuoted << e.name << YAML::Key << "category" << YAML::Value
            << std::string(to_string(e.category)) << YAML::Key << "kind" << YAML::Value
            << std::string(to_string(e.kind)) << YAML::Key << "description" << YAML::Value
            << YAML::DoubleQuoted << e.description << YAML::Key << "description_en" << YAML::Value
            << YAML::DoubleQuoted << e.description_en;
    if (!e.sdks.empty()) {
      emitter << YAML::Key << "sdk" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (SdkDialect sdk : e.sdks) emitter << std::string(to_string(sdk));
      emitter << YAML::EndSeq;
    }
    emitter << YAML::EndMap;
  }
  emitter << YAML::EndSeq << YAML::EndMap;
  out << emitter.c_str() << "\n";
}

}  // namespace

int run_catalog(Classifier const& classifier, std::string const& format, std::ostream& out) {
  if (format == "table")
    print_table(classifier, out);
  else if (format == "json")
    print_json(classifier, out);
  else if (format == "yaml")
    print_yaml(classifier, out);
  else
    return 2;
  return 0;
}

}  // namespace cos_exporter
