#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/inputs/input_status.hpp"

namespace cos_exporter {

struct CodeCount {
  std::string category, code, name;
  std::uint64_t count = 0;
};

struct GroupCount {
  std::string name, description;
  std::uint64_t count = 0;
};

struct MalformedCount {
  std::string input, reason;
  std::uint64_t count = 0;
};

struct LandingPageData {
  std::string version, revision, config_source;
  bool ready = false;
  std::vector<InputStatus> inputs;
  std::vector<CodeCount> top_codes;  // at most 10, largest first
  std::vector<GroupCount> groups;    // config order
  // Why the last reload failed, until one succeeds; empty when the last one did.
  std::string reload_error;
  double uptime_seconds = 0;
  std::vector<MalformedCount> malformed;  // reasons with lines, by input and reason
};

// The error codes counted most, largest first (ties in label order).
std::vector<CodeCount> top_error_codes(MetricStore const& store, std::size_t how_many);
// Each configured group with its count, in config order.
std::vector<GroupCount> group_counts(MetricStore const& store,
                                     std::vector<GroupConfig> const& groups);

// Malformed lines by input and reason, the reasons with none left out.
std::vector<MalformedCount> malformed_by_reason(MetricStore const& store);
// "3d 4h 5m 6s", leading zero units left out ("42s").
std::string format_duration(double seconds);

// The HTML page served at `/`: plain server-rendered HTML, no JavaScript.
std::string render_landing_page(LandingPageData const& data);

// Escapes text for HTML element content and attribute values; bytes that are
// not valid UTF-8 come out as \xNN (sanitize_utf8).
std::string html_escape(std::string_view text);

}  // namespace cos_exporter
