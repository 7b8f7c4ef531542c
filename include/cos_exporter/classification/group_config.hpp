#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cos_exporter/classification/category.hpp"

namespace cos_exporter {

// An alert group as the config declares it: which codes belong to it (by
// code, by a glob over the name, or by category) and its alert thresholds.

struct AlertConfig {
  double rate = 1;            // errors per second over `window`
  std::string window = "5m";  // Prometheus durations, validated on load
  double spike_factor = 3;    // times the `baseline` rate
  std::string baseline = "1h";
  std::string for_duration = "2m";  // the YAML key is `for`
  std::string severity = "warning";
  bool operator==(AlertConfig const&) const = default;
};

struct GroupConfig {
  std::string name;
  std::string description;
  std::vector<std::int64_t> codes;
  std::vector<std::string> names;  // globs over names: `*` and `?`
  std::vector<Category> categories;
  std::optional<AlertConfig> alert;
  bool operator==(GroupConfig const&) const = default;
};

inline constexpr std::size_t kMaxGroups = 64;

}  // namespace cos_exporter
