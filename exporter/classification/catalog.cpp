#include "cos_exporter/classification/catalog.hpp"

#include <set>
#include <utility>

#include "cos_exporter/classification/catalog_yaml.hpp"
#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/embedded.hpp"

namespace cos_exporter {

CatalogEntry read_catalog_entry(YamlReader const& reader, YAML::Node const& node) {
  reader.check_keys(node,
                    {"code", "name", "category", "kind", "description", "description_en", "sdk"},
                    "a catalog entry");
  for (char const* key : {"code", "name", "category", "kind", "description"})
    if (!node[key]) reader.fail(node, std::string("catalog entry is missing \"") + key + "\"");

  CatalogEntry entry;
  entry.code = reader.integer(node["code"], "code");
  entry.name = reader.string(node["name"], "name");
  if (entry.name.empty()) reader.fail(node["name"], "name must not be empty");
  std::string category = reader.string(node["category"], "category");
  auto parsed_category = parse_category(category);
  if (!parsed_category)
    reader.fail(node["category"],
                "unknown category \"" + category +
                    "\" (known: sdk, download, http, business, proxy, cmd, file_cache, "
                    "file_plugin, cgi, oss)");
  entry.category = *parsed_category;
  std::string kind = reader.string(node["kind"], "kind");
  auto parsed_kind = parse_kind(kind);
  if (!parsed_kind)
    reader.fail(node["kind"], "unknown kind \"" + kind + "\" (known: success, error)");
  entry.kind = *parsed_kind;
  entry.description = reader.string(node["description"], "description");
  if (node["description_en"])
    entry.description_en = reader.string(node["description_en"], "description_en");
  if (auto sdk = node["sdk"]) entry.sdks = read_sdk_dialects(reader, sdk);
  return entry;
}

std::vector<SdkDialect> read_sdk_dialects(YamlReader const& reader, YAML::Node const& node) {
  std::vector<YAML::Node> items;
  if (node.IsSequence())
    for (auto const& item : node) items.push_back(item);
  else
    items.push_back(node);
  if (items.empty()) reader.fail(node, "sdk must name at least one SDK");
  std::vector<SdkDialect> dialects;
  for (auto const& item : items) {
    std::string text = reader.string(item, "sdk");
    auto dialect = parse_sdk_dialect(text);
    if (!dialect || *dialect == SdkDialect::document)
      reader.fail(item, "unknown sdk \"" + text +
                            "\" (known: java, python, php, cpp, nodejs; leave sdk out for the "
                            "document's meaning)");
    dialects.push_back(*dialect);
  }
  return dialects;
}

Catalog Catalog::parse(std::string_view yaml_text, std::string const& source_name) {
  YamlReader reader(source_name);
  YAML::Node root = reader.parse(yaml_text);
  reader.check_keys(root, {"entries"}, "the catalog");
  YAML::Node entries = root["entries"];
  if (!entries) reader.fail(root, "the catalog has no \"entries\" list");
  reader.require_sequence(entries, "entries");

  Catalog catalog;
  std::set<std::pair<std::int64_t, std::string>> seen;
  std::set<std::pair<std::int64_t, SdkDialect>> dialect_codes;
  for (auto const& node : entries) {
    CatalogEntry entry = read_catalog_entry(reader, node);
    if (!seen.emplace(entry.code, entry.name).second)
      reader.fail(node, "duplicate catalog entry: code " + std::to_string(entry.code) +
                            " with name " + entry.name + " is already defined");
    for (SdkDialect dialect : entry.sdks)
      if (!dialect_codes.emplace(entry.code, dialect).second)
        reader.fail(node["sdk"], "sdk " + std::string(to_string(dialect)) + " already names code " +
                                     std::to_string(entry.code));
    catalog.entries_.push_back(std::move(entry));
  }
  return catalog;
}

Catalog Catalog::builtin() {
  return parse(embedded::builtin_catalog_yaml(), "<built-in catalog.yaml>");
}

Catalog Catalog::load_file(std::string const& path) {
  return parse(read_text_file(path), path);
}

void Catalog::add_or_replace(CatalogEntry entry) {
  for (auto& existing : entries_) {
    if (existing.code == entry.code && existing.name == entry.name) {
      existing = std::move(entry);
      return;
    }
  }
  entries_.push_back(std::move(entry));
}

std::vector<CatalogEntry const*> Catalog::find(std::int64_t code) const {
  std::vector<CatalogEntry const*> found;
  for (auto const& entry : entries_)
    if (entry.code == code) found.push_back(&entry);
  return found;
}

std::size_t Catalog::dialect_entries() const {
  std::size_t count = 0;
  for (CatalogEntry const& entry : entries_)
    if (!entry.applies_to_all_dialects()) ++count;
  return count;
}

}  // namespace cos_exporter
