#include "cos_exporter/parsing/line_parser.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>

#include "cos_exporter/common/integer_text.hpp"
#include "escapes.hpp"
#include "event_locator.hpp"
#include "python_dict.hpp"

namespace cos_exporter {
namespace {

constexpr std::uint64_t kMaxCount = std::uint64_t{1} << 53;  // exact in the float64 exposition

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

ParseResult malformed(MalformedReason reason) {
  return ParseResult{false, reason, {}};
}

void fail(ParseResult& out, MalformedReason reason) noexcept {
  out.ok = false;
  out.reason = reason;
}

// Each parse writes its result into one ParseResult, the caller's: it is
// ~250 bytes (the extra fields), and copying it from function to function
// cost more than the rest of counting an event. Each parse_ function expects
// it as this leaves it: an event with every field empty.
void start(ParseResult& out) noexcept {
  out.ok = true;
  out.reason = MalformedReason::no_event;
  out.event = Event{};
}

// The fields of an event as text, before they are checked; the extra fields
// go straight into the result.
struct RawFields {
  std::string_view code, message, count;
  bool has_code = false, has_count = false;
};

void finish(RawFields const& raw, ParseResult& out) noexcept {
  if (!raw.has_code) return fail(out, MalformedReason::no_event);
  if (!parse_code(raw.code, out.event.code)) return fail(out, MalformedReason::invalid_code);
  if (raw.has_count && !parse_count(raw.count, out.event.count))
    return fail(out, MalformedReason::invalid_count);
  out.event.message = raw.message;
}

// `-?[0-9]+`: a bare event whose code does not fit (anything else without an
// event is no bare event: a date, a row of dashes).
bool integer_shaped(std::string_view line) {
  if (!line.empty() && line.front() == '-') line.remove_prefix(1);
  return !line.empty() && line.find_first_not_of("0123456789") == std::string_view::npos;
}

// A `code=` key in a logfmt line: at its start or after a blank.
bool has_logfmt_code_key(std::string_view line) {
  for (std::size_t at = line.find("code="); at != std::string_view::npos;
       at = line.find("code=", at + 1))
    if (at == 0 || is_space(line[at - 1])) return true;
  return false;
}

// Whether the object opening the line closes (as JSON or as a Python
// literal): one that does not is an object cut short.
bool first_object_closes(std::string_view line) {
  bool too_deep = false;
  return matching_brace(line, 0, Dialect::json, too_deep) != std::string_view::npos ||
         matching_brace(line, 0, Dialect::python, too_deep) != std::string_view::npos;
}

RE2::Options regex_options() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

}  // namespace

bool parse_code(std::string_view text, std::int64_t& out) noexcept {
  return parse_integer(text, out);
}

bool parse_count(std::string_view text, std::uint64_t& out) noexcept {
  return parse_integer(text, out) && out >= 1 && out <= kMaxCount;
}

std::string LineParser::check_regex(std::string const& regex) {
  RE2 compiled(regex, regex_options());
  if (!compiled.ok()) return compiled.error();
  if (!compiled.NamedCapturingGroups().contains("code"))
    return "it needs a named group (?P<code>...) for the code";
  return {};
}

LineParser::LineParser(EventFormat format, std::string const& regex, std::size_t max_line_bytes,
                       Envelope envelope)
    : format_(format),
      max_line_bytes_(max_line_bytes),
      envelope_(envelope, max_line_bytes),
      padded_(new char[max_line_bytes + simdjson::SIMDJSON_PADDING]) {
  if (format_ == EventFormat::regex) {
    std::string problem = check_regex(regex);
    if (!problem.empty()) throw std::invalid_argument("invalid regex: " + problem);
    regex_ = std::make_unique<RE2>(regex, regex_options());
    auto const& groups = regex_->NamedCapturingGroups();
    code_group_ = groups.at("code");
    if (auto it = groups.find("message"); it != groups.end()) message_group_ = it->second;
    if (auto it = groups.find("count"); it != groups.end()) count_group_ = it->second;
    capture_count_ = regex_->NumberOfCapturingGroups() + 1;
    captures_.reset(new re2::StringPiece[capture_count_]);
  }
  if (json_.allocate(max_line_bytes + simdjson::SIMDJSON_PADDING, kMaxJsonDepth) !=
      simdjson::SUCCESS)
    throw std::bad_alloc();
  unescaped_.reset(new char[max_line_bytes + 1]);
}

ParseResult LineParser::parse(std::string_view line, EventFieldNames const& fields) noexcept {
  if (line.size() > max_line_bytes_) return malformed(MalformedReason::too_long);
  line = trim(line);
  if (line.empty()) return malformed(MalformedReason::blank);
  ParseResult result;
  start(result);
  // simdjson checks UTF-8 as it parses, so a line that parses as one JSON
  // object (the common case) is not checked twice; one that does not, is.
  bool const whole_object =
      line.front() == '{' && (format_ == EventFormat::json || format_ == EventFormat::auto_detect);
  if (whole_object) {
    parse_json(line, fields, result);
    if (result.ok) return result;
  }
  if (!simdjson::validate_utf8(line.data(), line.size())) {
    // Bytes that are not UTF-8 (a Latin-1 file name) in a line with no sign
    // of an event do not make it malformed.
    bool const may_hold_event = line.find("code") != std::string_view::npos;
    if (!may_hold_event && (format_ == EventFormat::auto_detect || format_ == EventFormat::logfmt))
      return malformed(MalformedReason::no_event);
    return malformed(MalformedReason::invalid_utf8);
  }
  switch (format_) {
    case EventFormat::json:
      if (!whole_object) parse_json(line, fields, result);
      break;
    case EventFormat::logfmt:
      parse_logfmt(line, fields, result);
      break;
    case EventFormat::regex:
      parse_regex(line, fields, result);
      break;
    case EventFormat::auto_detect:
      parse_auto(line, fields, result);
      break;
  }
  return result;
}

void LineParser::parse_auto(std::string_view line, EventFieldNames const& fields,
                            ParseResult& result) noexcept {
  if (parse_code(line, result.event.code)) return;
  // A whole-line object first: the common case. parse() has tried it
  // already: `result` holds why it failed. A JSON object says itself whether
  // it holds an event (its own `code` key) or is broken; only a line that is
  // no JSON (a Python dict, an object followed by text) is looked at further.
  bool whole = false;
  if (line.front() == '{') {
    if (result.reason != MalformedReason::invalid_json) return;
    whole = true;
  }
  // The first top-level object with a `code` key anywhere in the line: JSON,
  // then a Python dict literal.
  Candidate failure;
  // Without a '{' there is no object to look for (logfmt lines, mostly).
  std::size_t first_brace = line.find('{');
  for (Dialect dialect : {Dialect::json, Dialect::python}) {
    if (first_brace == std::string_view::npos) break;
    for (std::size_t from = first_brace;;) {
      Candidate candidate = locate_object_with_code(line, dialect, from);
      if (candidate.status == Candidate::Status::malformed &&
          failure.status == Candidate::Status::none)
        failure = candidate;
      if (candidate.status != Candidate::Status::found) break;
      start(result);  // after a failed attempt
      if (dialect == Dialect::json)
        parse_json(candidate.object, fields, result);
      else
        parse_python_dict(candidate.object, fields, result);
      if (result.ok || (result.reason != MalformedReason::invalid_json &&
                        result.reason != MalformedReason::no_event))
        return;
      if (result.reason == MalformedReason::no_event) {
        // Its `code` keys are nested: the search goes on after it.
        from = candidate.end;
        continue;
      }
      if (failure.status == Candidate::Status::none) {
        failure.status = Candidate::Status::malformed;
        failure.reason = result.reason;
      }
      from = candidate.key_end;
    }
  }
  start(result);
  if (line.find('=') != std::string_view::npos) {
    parse_logfmt(line, fields, result);
    // Text with an '=' in it is not logfmt that is broken, unless it has a
    // `code=` key.
    if (result.ok ||
        (result.reason != MalformedReason::no_event &&
         (result.reason != MalformedReason::invalid_logfmt || has_logfmt_code_key(line))))
      return;
    start(result);
  }
  if (failure.status == Candidate::Status::malformed) return fail(result, failure.reason);
  if (whole && !first_object_closes(line))  // a JSON object cut short
    return fail(result, MalformedReason::invalid_json);
  fail(result, integer_shaped(line) ? MalformedReason::invalid_code : MalformedReason::no_event);
}

std::string_view LineParser::decoded(std::string_view body, Escapes escapes) noexcept {
  if (escapes == Escapes::none || body.find('\\') == std::string_view::npos) return body;
  char* out = unescaped_.get() + decoded_size_;
  std::size_t n = escapes == Escapes::logfmt
                      ? decode_logfmt_string(body, out)
                      : decode_python_string(body, escapes == Escapes::python_bytes, out);
  decoded_size_ += n;
  return std::string_view(out, n);
}

void LineParser::parse_python_dict(std::string_view object, EventFieldNames const& fields,
                                   ParseResult& out) noexcept {
  // Only the dict's own keys; the last of a key written twice wins, as in
  // Python. Values are decoded once the dict has been read.
  decoded_size_ = 0;  // what an attempt before this one decoded is not used
  PythonValue code, message, count;
  std::array<PythonValue, kMaxEventFields> extra{};
  bool has_code = false, has_count = false;
  bool too_deep = false;
  bool const read = read_python_dict(
      object,
      [&](std::string_view key, PythonValue const& value) {
        if (key == "code") {
          code = value;
          has_code = true;
        } else if (key == "message") {
          message = value;
        } else if (key == "count") {
          count = value;
          has_count = true;
        } else if (int field = fields.find(key); field >= 0) {
          extra[static_cast<std::size_t>(field)] = value;
        }
      },
      too_deep);
  if (!read) return fail(out, too_deep ? MalformedReason::too_deep : MalformedReason::invalid_json);
  auto text = [&](PythonValue const& value) {
    if (!value.quoted) return value.text;
    return decoded(value.text, value.raw     ? Escapes::none
                               : value.bytes ? Escapes::python_bytes
                                             : Escapes::python);
  };
  RawFields raw;
  raw.has_code = has_code;
  raw.code = text(code);
  raw.has_count = has_count;
  raw.count = text(count);
  // Python 2 writes long integers with an L.
  for (std::string_view* number : {&raw.code, &raw.count})
    if (!number->empty() && (number->back() == 'L' || number->back() == 'l'))
      number->remove_suffix(1);
  // The message and extra fields: only a quoted string counts.
  if (message.quoted) raw.message = text(message);
  for (std::size_t i = 0; i < fields.names().size(); ++i)
    if (extra[i].quoted) out.event.fields.values[i] = text(extra[i]);
  finish(raw, out);
}

void LineParser::parse_json(std::string_view line, EventFieldNames const& fields,
                            ParseResult& out) noexcept {
  // The DOM parser dispatches to the best SIMD kernel at run time and
  // validates the whole line; its buffers were allocated once, up front.
  std::memcpy(padded_.get(), line.data(), line.size());
  std::memset(padded_.get() + line.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  if (auto error = json_.parse(padded_.get(), line.size(), false).get(root))
    return fail(out, error == simdjson::DEPTH_ERROR ? MalformedReason::too_deep
                                                    : MalformedReason::invalid_json);
  simdjson::dom::object object;
  if (root.get_object().get(object)) return fail(out, MalformedReason::invalid_json);

  // A default-constructed element points at no document: only touch the
  // ones the line has.
  simdjson::dom::element code, message, count;
  bool has_code = false, has_message = false, has_count = false;
  for (auto [key, value] : object) {
    if (key == "code") {
      code = value;
      has_code = true;
    } else if (key == "message") {
      message = value;
      has_message = true;
    } else if (key == "count") {
      count = value;
      has_count = true;
    } else if (int field = fields.find(key); field >= 0 && value.is_string()) {
      out.event.fields.values[field] = value.get_string().value_unsafe();
    }
  }
  if (!has_code) return fail(out, MalformedReason::no_event);

  std::string_view text;
  if (code.is_int64())
    out.event.code = code.get_int64().value_unsafe();
  else if (code.get_string().get(text) || !parse_code(text, out.event.code))
    return fail(out, MalformedReason::invalid_code);
  if (has_count) {
    std::uint64_t n = 0;
    if (count.is_uint64())
      n = count.get_uint64().value_unsafe();
    else if (count.get_string().get(text) || !parse_count(text, n))
      return fail(out, MalformedReason::invalid_count);
    if (n < 1 || n > kMaxCount) return fail(out, MalformedReason::invalid_count);
    out.event.count = n;
  }
  if (has_message && message.is_string()) out.event.message = message.get_string().value_unsafe();
}

void LineParser::parse_logfmt(std::string_view line, EventFieldNames const& fields,
                              ParseResult& out) noexcept {
  if (parse_code(line, out.event.code)) return;

  decoded_size_ = 0;  // what an attempt before this one decoded is not used
  RawFields raw;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) break;
    std::size_t key_start = i;
    while (i < line.size() && !is_space(line[i]) && line[i] != '=' && line[i] != '"') ++i;
    std::string_view key = line.substr(key_start, i - key_start);
    if (key.empty()) return fail(out, MalformedReason::invalid_logfmt);
    std::string_view value;
    if (i < line.size() && line[i] == '=') {
      ++i;
      if (i < line.size() && line[i] == '"') {
        // Quoted value, its escapes decoded (into our own buffer, only when
        // it has any).
        ++i;
        std::size_t start = i;
        while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
        if (i >= line.size()) return fail(out, MalformedReason::invalid_logfmt);
        value = line.substr(start, i - start);
        ++i;  // the closing quote
        if (i < line.size() && !is_space(line[i]))
          return fail(out, MalformedReason::invalid_logfmt);
        bool const wanted =
            key == "code" || key == "message" || key == "count" || fields.find(key) >= 0;
        if (wanted) value = decoded(value, Escapes::logfmt);
      } else {
        std::size_t start = i;
        while (i < line.size() && !is_space(line[i])) {
          if (line[i] == '"') return fail(out, MalformedReason::invalid_logfmt);
          ++i;
        }
        value = line.substr(start, i - start);
      }
    } else if (i < line.size() && line[i] == '"') {
      return fail(out, MalformedReason::invalid_logfmt);
    }
    if (key == "code") {
      raw.code = value;
      raw.has_code = true;
    } else if (key == "message") {
      raw.message = value;
    } else if (key == "count") {
      raw.count = value;
      raw.has_count = true;
    } else if (int field = fields.find(key); field >= 0) {
      out.event.fields.values[field] = value;
    }
  }
  finish(raw, out);
}

void LineParser::resolve_field_groups(EventFieldNames const& fields) noexcept {
  field_groups_.fill(-1);
  auto const& groups = regex_->NamedCapturingGroups();
  for (std::size_t i = 0; i < fields.names().size(); ++i)
    for (auto const& [name, index] : groups)
      if (name == fields.names()[i]) field_groups_[i] = index;
  field_groups_of_ = fields.id();
}

void LineParser::parse_regex(std::string_view line, EventFieldNames const& fields,
                             ParseResult& out) noexcept {
  if (!regex_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                     captures_.get(), capture_count_))
    return fail(out, MalformedReason::no_event);  // a line that is not an event
  RawFields raw;
  auto view = [](re2::StringPiece const& piece) {
    return std::string_view(piece.data(), piece.size());
  };
  raw.has_code = captures_[code_group_].data() != nullptr;
  raw.code = view(captures_[code_group_]);
  if (message_group_ >= 0) raw.message = view(captures_[message_group_]);
  if (count_group_ >= 0 && captures_[count_group_].data() != nullptr) {
    raw.has_count = true;
    raw.count = view(captures_[count_group_]);
  }
  if (field_groups_of_ != fields.id()) resolve_field_groups(fields);
  for (std::size_t i = 0; i < fields.names().size(); ++i)
    if (field_groups_[i] >= 0) out.event.fields.values[i] = view(captures_[field_groups_[i]]);
  finish(raw, out);
}

}  // namespace cos_exporter
