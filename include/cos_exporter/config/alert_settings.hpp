#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// A Prometheus duration ("90s", "5m", "1h30m", "1d", "250ms") in milliseconds,
// or nullopt when the text is not one. Zero ("0s") is a valid duration.
std::optional<std::int64_t> parse_prometheus_duration_ms(std::string_view text);
// The canonical spelling Prometheus itself prints: 300000 -> "5m", 5400000 -> "1h30m".
std::string format_prometheus_duration(std::int64_t milliseconds);
// A number as PromQL and YAML print it: shortest round-trip form (0.5, 3, 1e-06).
std::string format_prometheus_number(double value);

// Why an alert setting can never work, or nullopt when it is usable: a window
// or baseline that is not a positive duration, a negative rate, a non-positive factor,
// spike_factor x window >= baseline, or spike_factor x for >= baseline. The
// baseline rate includes the window itself: T after a step from nothing to S it
// is S x T / baseline, so the rule (S > factor x that) holds only while
// T < baseline / factor, which must leave room for the window and for `for`.
std::optional<std::string> alert_config_problem(AlertConfig const& alert);

}  // namespace cos_exporter
