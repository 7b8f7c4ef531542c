#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/common/yaml_reader.hpp"

namespace cos_exporter {

// Labels the config may name: exemplar fields and the extra labels of events.

inline constexpr std::size_t kMaxExemplarFields = 4;

// Why `name` cannot be a label name of this exporter's event series, or ""
// when it can: not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*),
// reserved by Prometheus (__*), or one the series already have (category,
// code, name, group, outcome).
std::string label_name_problem(std::string_view name);

// exemplar_fields: a list of at most kMaxExemplarFields distinct event field
// names, each usable as a label name. Fails at the offending node.
std::vector<std::string> read_exemplar_fields(YamlReader const& yaml, YAML::Node const& node);

}  // namespace cos_exporter
