#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/sdk_dialect.hpp"
#include "cos_exporter/common/yaml_reader.hpp"
#include "cos_exporter/config/cidr.hpp"
#include "cos_exporter/parsing/event_format.hpp"

namespace cos_exporter {

// Extra labels of the event series (cos_errors_total, cos_events_total,
// cos_group_errors_total): name -> value, the same for every event of an input.
using StaticLabels = std::map<std::string, std::string>;

// What every input kind has: its name (the `input` label) and how it reads its
// lines. The config reader reads these keys once for every kind; each kind's
// config (UdpInputConfig, FileInputConfig, ...) derives from this and adds its
// own keys, read by its `read_input_settings`.
struct InputSettings {
  std::string name;
  EventFormat format = EventFormat::auto_detect;
  std::string regex;  // format: regex
  Envelope envelope = Envelope::auto_detect;
  SdkDialect sdk = SdkDialect::document;
  StaticLabels labels;
  bool operator==(InputSettings const&) const = default;
};

// The keys InputSettings takes, in the order an unknown-key message lists them.
inline constexpr std::string_view kInputSettingsKeys[] = {"name",     "format", "regex",
                                                          "envelope", "sdk",    "labels"};

// What a kind's reader is handed: the config's YAML reader (every problem a
// ConfigError naming file:line:column) and the names of the event labels, which
// no label of an input may take.
struct InputReader {
  YamlReader const& yaml;
  std::set<std::string> const& event_label_names;

  std::string non_empty_string(YAML::Node const& node, std::string_view what) const;
  // A sequence of CIDRs ("10.0.0.0/8", "::1/128").
  std::vector<Cidr> cidrs(YAML::Node const& node, std::string_view what) const;
  // A listen address (host:port, [v6-host]:port or :port).
  std::string listen_address(YAML::Node const& node) const;
  // Buffer sizes and the like: an unsigned integer in [min, max].
  std::uint64_t bytes(YAML::Node const& node, std::string_view what, std::uint64_t min,
                      std::uint64_t max) const {
    return yaml.unsigned_integer(node, what, min, max);
  }
};

// Globs take `*`, `?` and (with `allow_classes`, for paths) bracket classes; a
// class must close. Fails through `yaml`.
void check_glob(YamlReader const& yaml, YAML::Node const& node, std::string const& glob,
                bool allow_classes);

// The port of a "host:port" listen address as text; "" when it has none or it
// is 0 (any free port, which no other input can hold).
std::string fixed_port_of(std::string const& listen);

}  // namespace cos_exporter
