#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cos_exporter/config/alert_settings.hpp"
#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// Thrown by generate_rules for an alert setting alert_config_problem rejects.
class RulesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The Prometheus rule file for a config, as YAML text: recording rules for the
// per-group and per-code error rates and the error ratio (summed across
// instances and across the sources the config's extra labels tell apart), one
// CosErrorGroupSpike alert per group with `alert:`, the
// CosErrorCodeSpike alerts from `code_alert:` (one per group, labelled with it,
// and one for codes in no group), and the alerts on the exporter itself. A
// spike alert stays silent until Prometheus holds one baseline of the series'
// history. With extra labels, each spike alert's description names its top
// three sources. Deterministic: the same config gives the same bytes. Throws
// RulesError naming the group of a bad setting.
std::string generate_rules(Config const& config);

}  // namespace cos_exporter
