#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cos_exporter {

// Why a line was skipped: the `reason` label of events_malformed_total.
enum class MalformedReason : std::uint8_t {
  empty,             // nothing but whitespace
  too_long,          // longer than limits.max_line_bytes
  invalid_utf8,      // not valid UTF-8
  invalid_json,      // starts like JSON (or format: json) but does not parse as an object
  invalid_logfmt,    // not key=value pairs (unbalanced quote, no key, ...)
  no_match,          // format: regex and the pattern does not match
  unrecognized,      // format: auto and the line is neither JSON, logfmt nor an integer
  missing_code,      // no `code`
  invalid_code,      // `code` is not an integer that fits in 64 bits
  invalid_count,     // `count` is not a positive integer up to 2^53
  invalid_envelope,  // a CRI, Docker or syslog header that is broken (bad PRI, no body, ...)
  too_deep,          // JSON nested deeper than kMaxJsonDepth
};

inline constexpr std::size_t kMalformedReasonCount = 12;

inline constexpr std::array<std::string_view, kMalformedReasonCount> kMalformedReasonLabels = {
    "empty",        "too_long",     "invalid_utf8", "invalid_json",  "invalid_logfmt",   "no_match",
    "unrecognized", "missing_code", "invalid_code", "invalid_count", "invalid_envelope", "too_deep",
};

inline std::string_view to_string(MalformedReason reason) {
  return kMalformedReasonLabels[static_cast<std::size_t>(reason)];
}

}  // namespace cos_exporter
