#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/common/yaml_reader.hpp"
#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// Labels the config may name: exemplar fields and the extra labels of events.

inline constexpr std::size_t kMaxExemplarFields = 4;

// Why `name` cannot be a label name of this exporter's event series, or ""
// when it can: not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*),
// reserved by Prometheus (__*), or one the series already have (category,
// code, name, group, outcome).
std::string label_name_problem(std::string_view name);

// The longest extra label value, in bytes; longer ones are cut.
inline constexpr std::size_t kMaxLabelValueBytes = 128;
// Extra label names in all: static, event and path labels together.
inline constexpr std::size_t kMaxExtraLabels = 8;

// exemplar_fields: a list of at most kMaxExemplarFields distinct event field
// names, each usable as a label name. Fails at the offending node.
std::vector<std::string> read_exemplar_fields(YamlReader const& yaml, YAML::Node const& node);

// event_labels: a list of {name, field, max_values}, names distinct.
std::vector<EventLabelConfig> read_event_labels(YamlReader const& yaml, YAML::Node const& node);

// An input's labels: a map of label name to a UTF-8 value of at most
// kMaxLabelValueBytes; no name may be an event label's.
StaticLabels read_static_labels(YamlReader const& yaml, YAML::Node const& node,
                                std::set<std::string> const& event_label_names);

// A file input's path_labels: an RE2 regex with at least one named group,
// each a label name that is neither an event label nor one of `labels`.
void check_path_labels(YamlReader const& yaml, YAML::Node const& node, std::string const& regex,
                       StaticLabels const& labels, std::set<std::string> const& event_label_names);

// The names of every input's static labels.
std::set<std::string> static_label_names(Config const& config);

// The named groups of a path_labels regex, in the order they appear in it.
std::vector<std::string> path_label_names(std::string const& regex);

// The extra label names of a config, sorted: every input's static labels,
// the event labels and the path labels' groups.
std::vector<std::string> extra_label_names(Config const& config);

}  // namespace cos_exporter
