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
#include "cos_exporter/config/cidr.hpp"
#include "cos_exporter/parsing/event_format.hpp"

namespace cos_exporter {

// The daemon's configuration, as read from YAML (config/exporter.yaml shows it). Every field has
// the default an absent key means. Equality is used by reload to keep inputs whose settings did not
// change.

// Extra labels of the event series (cos_errors_total, cos_events_total,
// cos_group_errors_total): name -> value, the same for every event of an input.
using StaticLabels = std::map<std::string, std::string>;

// A label whose value is a field of each event.
struct EventLabelConfig {
  std::string name;
  std::string field;
  std::uint32_t max_values = 100;  // distinct values; later ones count as "other"
  bool operator==(EventLabelConfig const&) const = default;
};

struct UdpInputConfig {
  std::string name = "udp";
  std::string listen = "127.0.0.1:9742";
  EventFormat format = EventFormat::auto_detect;
  std::string regex;  // format: regex
  Envelope envelope = Envelope::auto_detect;
  SdkDialect sdk = SdkDialect::document;
  std::uint64_t read_buffer_bytes = 8 * 1024 * 1024;
  std::vector<Cidr> allow;  // empty: every source is allowed
  StaticLabels labels;
  bool operator==(UdpInputConfig const&) const = default;
};

struct UnixgramInputConfig {
  std::string name = "unixgram";
  std::string path = "/run/cos_error_exporter/events.sock";
  EventFormat format = EventFormat::auto_detect;
  std::string regex;
  Envelope envelope = Envelope::auto_detect;
  SdkDialect sdk = SdkDialect::document;
  std::uint64_t read_buffer_bytes = 8 * 1024 * 1024;
  std::uint32_t mode = 0660;  // permissions of the socket file
  StaticLabels labels;
  bool operator==(UnixgramInputConfig const&) const = default;
};

enum class StartAt { end, beginning };

struct FileInputConfig {
  std::string name = "file";
  std::string path;  // a glob
  EventFormat format = EventFormat::auto_detect;
  std::string regex;
  Envelope envelope = Envelope::auto_detect;
  SdkDialect sdk = SdkDialect::document;
  StartAt start_at = StartAt::end;
  StaticLabels labels;
  std::string path_labels;  // an RE2 regex whose named groups label the events of each file
  bool operator==(FileInputConfig const&) const = default;
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
  std::vector<UdpInputConfig> udp_inputs;
  std::vector<UnixgramInputConfig> unixgram_inputs;
  std::vector<FileInputConfig> file_inputs;
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
