#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// A Prometheus duration ("90s", "5m", "1h30m", "1d", "250ms") in milliseconds,
// or nullopt when the text is not one. Zero ("0s") is a valid duration.
std::optional<std::int64_t> parse_prometheus_duration_ms(std::string_view text);
// The canonical spelling Prometheus itself prints: 300000 -> "5m", 5400000 -> "1h30m".
std::string format_prometheus_duration(std::int64_t milliseconds);

// Why an alert setting can never work, or nullopt when it is usable: a window
// or baseline that is not a positive duration, a negative rate, a non-positive factor,
// spike_factor x window >= baseline, or spike_factor x for >= baseline. The
// baseline rate includes the window itself: T after a step from nothing to S it
// is S x T / baseline, so the rule (S > factor x that) holds only while
// T < baseline / factor, which must leave room for the window and for `for`.
std::optional<std::string> alert_config_problem(AlertConfig const& alert);

// Thrown by generate_rules for an alert setting alert_config_problem rejects.
class RulesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The Prometheus rule file for a config, as YAML text: recording rules for the
// per-group and per-code error rates and the error ratio (summed across
// instances), one CosErrorGroupSpike alert per group with `alert:`, and one
// CosErrorCodeSpike alert from `code_alert:`. Deterministic: the same config
// gives the same bytes. Throws RulesError naming the group of a bad setting.
std::string generate_rules(Config const& config);

}  // namespace cos_exporter
