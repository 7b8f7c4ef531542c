#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cos_exporter {

// Why a line counted no event. The first kMalformedReasonCount are malformed
// lines, the `reason` label of events_malformed_total: a line that looks like
// an event and is broken (or cannot be read at all). The last two are no
// fault of the line, the `reason` label of lines_without_event_total: in a
// tailed log most lines are not events.
enum class MalformedReason : std::uint8_t {
  too_long,          // longer than limits.max_line_bytes
  invalid_utf8,      // not valid UTF-8 (and not a line without an event)
  invalid_json,      // a JSON object cut short or broken (or format: json and not an object)
  invalid_logfmt,    // logfmt with a `code` key, or format: logfmt, that is not key=value pairs
  invalid_code,      // `code` is not an integer that fits in 64 bits
  invalid_count,     // `count` is not a positive integer up to 2^53
  invalid_envelope,  // a CRI, Docker or syslog header that is broken (bad PRI, no body, ...)
  too_deep,          // JSON nested deeper than kMaxJsonDepth
  // Lines without an event, not malformed:
  blank,     // nothing but whitespace
  no_event,  // no `code` key at the top level of the line's format; format: regex, no match
};

inline constexpr std::size_t kMalformedReasonCount = 8;
inline constexpr std::size_t kNoEventReasonCount = 2;

inline constexpr std::array<std::string_view, kMalformedReasonCount + kNoEventReasonCount>
    kMalformedReasonLabels = {
        "too_long",      "invalid_utf8",     "invalid_json", "invalid_logfmt", "invalid_code",
        "invalid_count", "invalid_envelope", "too_deep",     "blank",          "no_event",
};

// True for the reasons that are not malformed: the line holds no event.
constexpr bool holds_no_event(MalformedReason reason) {
  return static_cast<std::size_t>(reason) >= kMalformedReasonCount;
}

inline std::string_view to_string(MalformedReason reason) {
  return kMalformedReasonLabels[static_cast<std::size_t>(reason)];
}

}  // namespace cos_exporter
