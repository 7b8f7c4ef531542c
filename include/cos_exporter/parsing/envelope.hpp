#pragma once

#include <simdjson.h>

#include <memory>
#include <string_view>

#include "cos_exporter/parsing/event_format.hpp"
#include "cos_exporter/parsing/malformed_reason.hpp"

namespace cos_exporter {

// One physical line with its envelope taken off.
struct Unwrapped {
  // whole: the body is a complete line. partial / last_part: a CRI `P` part of
  // a longer line, or the `F` part that ends one (the body of an `F` line that
  // ends no run is whole).
  enum class Part : std::uint8_t { whole, partial, last_part };

  bool ok = true;
  MalformedReason reason = MalformedReason::blank;  // when !ok
  Part part = Part::whole;
  bool stderr_stream = false;  // CRI: which stream the part belongs to
  std::string_view body;       // into the line, or into the reader's buffer (Docker)
};

// Takes the envelope off a line:
//  - CRI: `<RFC 3339 time> <stdout|stderr> <P|F> <text>`;
//  - Docker json-file: `{"log":"<text>\n","stream":..,"time":..}`;
//  - syslog: `<PRI>` then an RFC 5424 header (`1 TIME HOST APP PROCID MSGID SD`)
//    or an RFC 3164 one (`Mmm dd hh:mm:ss HOST TAG:`).
// With Envelope::auto_detect a line that does not have one of these shapes is
// its own body; a syslog PRI that is out of range is malformed either way.
// Owns its buffers (sized once for max_line_bytes); not thread-safe.
class EnvelopeReader {
 public:
  EnvelopeReader(Envelope envelope, std::size_t max_line_bytes);

  Unwrapped unwrap(std::string_view line) noexcept {
    // Most lines have no envelope: only a line that starts like one (a
    // digit, '<', or a Docker object) is looked at further.
    if (envelope_ == Envelope::auto_detect && !line.empty()) {
      char c = line[0];
      if (c != '<' && (c < '0' || c > '9') && (c != '{' || !line.starts_with(R"({"log":)")))
        return Unwrapped{true, MalformedReason::blank, Unwrapped::Part::whole, false, line};
    }
    return unwrap_envelope(line);
  }

 private:
  Unwrapped unwrap_envelope(std::string_view line) noexcept;
  Unwrapped unwrap_docker(std::string_view line, bool strict) noexcept;

  Envelope envelope_;
  std::size_t max_line_bytes_;
  simdjson::dom::parser json_;
  std::unique_ptr<char[]> padded_;  // max_line_bytes + SIMDJSON_PADDING
  std::unique_ptr<char[]> log_;     // the unescaped `log` field of a Docker line
};

// The CRI and syslog headers, for the reader and for tests. Each returns false
// when `line` does not have that shape; `out` is then unspecified.
bool unwrap_cri(std::string_view line, Unwrapped& out) noexcept;
// For a line starting with '<': false with out.reason set when the PRI is bad.
bool unwrap_syslog(std::string_view line, Unwrapped& out) noexcept;

}  // namespace cos_exporter
