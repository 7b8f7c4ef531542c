#pragma once

#include <re2/re2.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cos_exporter/parsing/envelope.hpp"
#include "cos_exporter/parsing/event_fields.hpp"
#include "cos_exporter/parsing/event_format.hpp"
#include "cos_exporter/parsing/malformed_reason.hpp"

namespace cos_exporter {

// One event as read from a line. `message` points into the line or into the
// parser's buffers: valid until the next parse().
struct Event {
  std::int64_t code = 0;
  std::string_view message;
  std::uint64_t count = 1;
  EventFields fields;  // the ones parse() was asked for
};

struct ParseResult {
  bool ok = false;
  MalformedReason reason = MalformedReason::blank;  // when !ok
  Event event;
};

// The line-parsing stage: one line in, one event or one malformed reason out.
// Owns its buffers (sized once for max_line_bytes), so parse() does not
// allocate. One parser per input; not thread-safe.
class LineParser {
 public:
  // `regex` (RE2 syntax, named group `code`, optional `message`, `count`) is
  // required for EventFormat::regex and ignored otherwise. Throws
  // std::invalid_argument when it does not compile or lacks `code`.
  LineParser(EventFormat format, std::string const& regex, std::size_t max_line_bytes,
             Envelope envelope = Envelope::auto_detect);

  // The line with its envelope (CRI, Docker, syslog) taken off; parse() then
  // reads the event in the body (a CRI line's parts joined first).
  Unwrapped unwrap(std::string_view line) noexcept { return envelope_.unwrap(line); }
  // `fields` names the extra fields to read; it must outlive the call only.
  ParseResult parse(std::string_view line,
                    EventFieldNames const& fields = EventFieldNames::none()) noexcept;
  std::size_t max_line_bytes() const { return max_line_bytes_; }

  // Checks a regex as the config loader needs: empty string when usable,
  // otherwise why not.
  static std::string check_regex(std::string const& regex);

 private:
  // format: auto: a bare integer, an object at the start of the line, the
  // first top-level object with a `code` key of its own inside it (JSON, then
  // a Python dict literal), then logfmt. A line with none of these holds no
  // event (MalformedReason::no_event); one that looks like an event and is
  // broken is malformed.
  // Each writes all of `out`.
  void parse_auto(std::string_view line, EventFieldNames const& fields, ParseResult& out) noexcept;
  void parse_json(std::string_view line, EventFieldNames const& fields, ParseResult& out) noexcept;
  void parse_python_dict(std::string_view object, EventFieldNames const& fields,
                         ParseResult& out) noexcept;
  void parse_logfmt(std::string_view line, EventFieldNames const& fields,
                    ParseResult& out) noexcept;
  void parse_regex(std::string_view line, EventFieldNames const& fields, ParseResult& out) noexcept;
  // A quoted value's body with its escapes decoded as its writer meant them
  // (into unescaped_, after the values decoded before in this parse()), or
  // the body itself when it has none.
  enum class Escapes : std::uint8_t { none, python, python_bytes, logfmt };
  std::string_view decoded(std::string_view body, Escapes escapes) noexcept;
  // The regex group of each field, looked up once per set of names.
  void resolve_field_groups(EventFieldNames const& fields) noexcept;

  EventFormat format_;
  std::size_t max_line_bytes_;
  EnvelopeReader envelope_;
  std::unique_ptr<RE2> regex_;
  int code_group_ = -1, message_group_ = -1, count_group_ = -1;
  std::unique_ptr<re2::StringPiece[]> captures_;
  int capture_count_ = 0;
  std::array<int, kMaxEventFields> field_groups_{};
  std::uint64_t field_groups_of_ = 0;  // EventFieldNames::id() they were resolved for
  simdjson::dom::parser json_;
  std::unique_ptr<char[]> padded_;     // max_line_bytes + SIMDJSON_PADDING
  std::unique_ptr<char[]> unescaped_;  // decoded values of one line: at most its size
  std::size_t decoded_size_ = 0;
};

// Strict integer parsing shared by the formats: optional '-', digits only.
bool parse_code(std::string_view text, std::int64_t& out) noexcept;
bool parse_count(std::string_view text, std::uint64_t& out) noexcept;

}  // namespace cos_exporter
