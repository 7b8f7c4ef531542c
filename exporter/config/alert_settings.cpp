#include "cos_exporter/config/alert_settings.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace cos_exporter {
namespace {

struct DurationUnit {
  std::string_view suffix;
  std::int64_t milliseconds;
};
// In the order Prometheus requires them in a duration and prints them.
constexpr std::array<DurationUnit, 7> kUnits{{
    {"y", 365LL * 24 * 60 * 60 * 1000},
    {"w", 7LL * 24 * 60 * 60 * 1000},
    {"d", 24LL * 60 * 60 * 1000},
    {"h", 60LL * 60 * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

}  // namespace

std::string format_prometheus_number(double value) {
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc{}) return "0";
  return std::string(buffer.data(), end);
}

std::optional<std::int64_t> parse_prometheus_duration_ms(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t digits_end = pos;
    while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') {
      ++digits_end;
    }
    if (digits_end == pos) return std::nullopt;
    std::int64_t number = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + digits_end, number);
    if (ec != std::errc{} || ptr != text.data() + digits_end) return std::nullopt;
    // The longest unit that matches, at or after the last one used.
    std::size_t unit = next_unit;
    bool found = false;
    for (; unit < kUnits.size(); ++unit) {
      std::string_view suffix = kUnits[unit].suffix;
      if (text.substr(digits_end, suffix.size()) != suffix) continue;
      // "m" must not swallow the "m" of "ms".
      if (suffix == "m" && text.substr(digits_end, 2) == "ms") continue;
      found = true;
      break;
    }
    if (!found) return std::nullopt;
    if (number > std::numeric_limits<std::int64_t>::max() / kUnits[unit].milliseconds) {
      return std::nullopt;
    }
    std::int64_t const part = number * kUnits[unit].milliseconds;
    if (total > std::numeric_limits<std::int64_t>::max() - part) return std::nullopt;
    total += part;
    pos = digits_end + kUnits[unit].suffix.size();
    next_unit = unit + 1;
  }
  return total;
}

std::string format_prometheus_duration(std::int64_t milliseconds) {
  if (milliseconds <= 0) return "0s";
  std::string out;
  for (DurationUnit const& unit : kUnits) {
    std::int64_t const count = milliseconds / unit.milliseconds;
    if (count == 0) continue;
    out += std::to_string(count);
    out += unit.suffix;
    milliseconds -= count * unit.milliseconds;
  }
  return out;
}

std::optional<std::string> alert_config_problem(AlertConfig const& alert) {
  auto const window = parse_prometheus_duration_ms(alert.window);
  auto const baseline = parse_prometheus_duration_ms(alert.baseline);
  auto const hold = parse_prometheus_duration_ms(alert.for_duration);
  if (!window || *window <= 0) return "window \"" + alert.window + "\" is not a positive duration";
  if (!baseline || *baseline <= 0) {
    return "baseline \"" + alert.baseline + "\" is not a positive duration";
  }
  if (!hold) return "for \"" + alert.for_duration + "\" is not a duration";
  if (!(alert.rate >= 0) || !std::isfinite(alert.rate)) {
    return "rate must be a number of errors per second, 0 or more";
  }
  if (!(alert.spike_factor > 0) || !std::isfinite(alert.spike_factor)) {
    return "spike_factor must be a positive number";
  }
  if (alert.severity.empty()) return "severity must not be empty";
  if (alert.spike_factor * static_cast<double>(*window) >= static_cast<double>(*baseline)) {
    return "spike_factor " + format_prometheus_number(alert.spike_factor) + " x window " +
           format_prometheus_duration(*window) + " must be shorter than baseline " +
           format_prometheus_duration(*baseline) +
           ": the baseline rate includes the window, so the alert could never fire";
  }
  // A step from nothing to S stays above factor x baseline for baseline/factor;
  // a `for` that long outlasts every spike.
  if (alert.spike_factor * static_cast<double>(*hold) >= static_cast<double>(*baseline)) {
    return "spike_factor " + format_prometheus_number(alert.spike_factor) + " x for " +
           format_prometheus_duration(*hold) + " must be shorter than baseline " +
           format_prometheus_duration(*baseline) +
           ": a spike stops exceeding the baseline before it has lasted that long";
  }
  return std::nullopt;
}

}  // namespace cos_exporter
