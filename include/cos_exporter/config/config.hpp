#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/classification/category.hpp"
#include "cos_exporter/classification/group_config.hpp"
#include "cos_exporter/classification/sdk_dialect.hpp"
#include "cos_exporter/config/input_config.hpp"
#include "cos_exporter/parsing/event_format.hpp"

namespace cos_exporter {

// The daemon's configuration, as read from YAML (config/exporter.yaml shows it). Every field has
// the default an absent key means. Equality is used by reload to keep inputs whose settings did not
// change.

// A label whose value is a field of each event.
struct EventLabelConfig {
  std::string name;
  std::string field;
  std::uint32_t max_values = 100;  // distinct values; later ones count as "other"
  bool operator==(EventLabelConfig const&) const = default;
};

struct Limits {
  std::uint32_t max_unknown_codes = 64;
  std::uint32_t max_line_bytes = 16384;
  // Distinct values of each static or path label; later ones count as "other".
  std::uint32_t max_label_values = 100;
  // Series the extra labels may add across the event series, ever.
  std::uint64_t max_series = 10000;
  bool operator==(Limits const&) const = default;
};

struct Config {
  std::string source;  // file name, or "<built-in>"
  // Every input, of every kind, grouped by kind in InputConfig's order (the
  // order they start in).
  std::vector<InputConfig> inputs;
  std::optional<std::string> state_file;
  std::optional<std::string> catalog_file;
  std::vector<CatalogEntry> catalog_extra;
  std::vector<GroupConfig> groups;        // in file order
  std::optional<AlertConfig> code_alert;  // `code_alert: off` (or null) leaves it out
  // Where docs/runbooks.md is published; every generated alert links a section of it.
  std::string runbook_url;
  Limits limits;
  // Event fields each cos_errors_total series shows, from its last event, as
  // its exemplar's labels.
  std::vector<std::string> exemplar_fields{"request_id", "trace_id"};
  std::vector<EventLabelConfig> event_labels;
};

// Parses and validates a config. Throws ConfigError ("source:line:column: ...")
// for unknown keys, wrong types, bad globs, regexes, CIDRs and durations,
// duplicate input or group names. Does not read the catalog file.
Config parse_config(std::string_view yaml_text, std::string const& source_name);
Config load_config_file(std::string const& path);
// The built-in default (config/exporter.yaml compiled in).
Config builtin_config();

// The catalog a config asks for: catalog.file (or the built-in one) plus
// catalog.extra. Throws ConfigError.
Catalog load_catalog_for(Config const& config);

}  // namespace cos_exporter
