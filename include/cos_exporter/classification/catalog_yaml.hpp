#pragma once

#include <yaml-cpp/yaml.h>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/common/yaml_reader.hpp"

namespace cos_exporter {

// Reads one catalog entry (a mapping with code, name, category, kind,
// description, description_en), as catalog files and catalog.extra write it.
// description_en and sdk are optional; everything else is required.
CatalogEntry read_catalog_entry(YamlReader const& reader, YAML::Node const& node);
// An entry's `sdk`: one dialect name or a list of them (not `document`).
std::vector<SdkDialect> read_sdk_dialects(YamlReader const& reader, YAML::Node const& node);

}  // namespace cos_exporter
