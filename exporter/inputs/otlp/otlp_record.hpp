#pragma once

#include <cstdint>
#include <string_view>

#include "cos_exporter/parsing/event_fields.hpp"
#include "cos_exporter/parsing/malformed_reason.hpp"

namespace cos_exporter::otlp {

// The attribute names (of a log record, or keys of a map body) that carry an
// event: the prefixed name first, then the plain one.
inline constexpr std::string_view kCodeAttribute = "cos.error.code";
inline constexpr std::string_view kMessageAttribute = "cos.error.message";
inline constexpr std::string_view kCountAttribute = "cos.error.count";
// The event fields an OTLP record's trace context fills (exemplar_fields).
inline constexpr std::string_view kTraceIdField = "trace_id";
inline constexpr std::string_view kSpanIdField = "span_id";

// What one OTLP log record holds for the counting, whichever encoding it came
// in. Every view points into the decoded request or the decoder's buffers:
// valid during the callback only.
struct Record {
  enum class Kind : std::uint8_t {
    event,      // code (and message, count) from its attributes or its map body
    line,       // a string body: an event line, parsed as any other line
    malformed,  // an event whose code or count is unusable: `reason`
    no_event,   // none of these: counted as a line without an event
  };
  Kind kind = Kind::no_event;
  MalformedReason reason = MalformedReason::no_event;
  std::int64_t code = 0;
  std::string_view message;  // event: its message; line: the body
  std::uint64_t count = 1;
  // By EventFieldNames index: the record's trace_id and span_id (lowercase
  // hex), its map body's keys, its attributes, its resource's attributes, in
  // that order of precedence. String values only.
  EventFields fields;
};

}  // namespace cos_exporter::otlp
