#include "cos_exporter/parsing/line_parser.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>

#include "cos_exporter/common/integer_text.hpp"
#include "event_locator.hpp"

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
  out.reason = MalformedReason::empty;
  out.event = Event{};
}

// The fields of an event as text, before they are checked; the extra fields
// go straight into the result.
struct RawFields {
  std::string_view code, message, count;
  bool has_code = false, has_count = false;
};

void finish(RawFields const& raw, ParseResult& out) noexcept {
  if (!raw.has_code) return fail(out, MalformedReason::missing_code);
  if (!parse_code(raw.code, out.event.code)) return fail(out, MalformedReason::invalid_code);
  if (raw.has_count && !parse_count(raw.count, out.event.count))
    return fail(out, MalformedReason::invalid_count);
  out.event.message = raw.message;
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
  if (line.empty()) return malformed(MalformedReason::empty);
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
  if (!simdjson::validate_utf8(line.data(), line.size()))
    return malformed(MalformedReason::invalid_utf8);
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
  // A whole-line object first: the common case, and the only one that can
  // say a line is a single JSON document nested too deep. parse() has tried
  // it already: `result` holds why it failed.
  std::optional<MalformedReason> whole;
  if (line.front() == '{') {
    if (result.ok || result.reason == MalformedReason::too_deep ||
        (result.reason != MalformedReason::invalid_json &&
         result.reason != MalformedReason::missing_code))
      return;
    whole = result.reason;
  }
  // The first object with a `code` key anywhere in the line: JSON, then a
  // Python dict literal.
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
                        result.reason != MalformedReason::missing_code))
        return;
      if (failure.status == Candidate::Status::none) {
        failure.status = Candidate::Status::malformed;
        failure.reason = result.reason;
      }
      from = candidate.key_end;
    }
  }
  if (whole) return fail(result, *whole);
  start(result);
  if (line.find('=') != std::string_view::npos) return parse_logfmt(line, fields, result);
  if (failure.status == Candidate::Status::malformed) return fail(result, failure.reason);
  bool integer_shaped = line.find_first_not_of("-0123456789") == std::string_view::npos;
  fail(result, integer_shaped ? MalformedReason::invalid_code : MalformedReason::unrecognized);
}

void LineParser::parse_python_dict(std::string_view object, EventFieldNames const& fields,
                                   ParseResult& out) noexcept {
  RawFields raw;
  bool quoted = false;
  raw.has_code = python_dict_value(object, "code", raw.code, quoted);
  raw.has_count = python_dict_value(object, "count", raw.count, quoted);
  if (!python_dict_value(object, "message", raw.message, quoted) || !quoted) raw.message = {};
  // Extra fields are read like the message: only a quoted string counts.
  for (std::size_t i = 0; i < fields.names().size(); ++i) {
    std::string_view value;
    if (python_dict_value(object, fields.names()[i], value, quoted) && quoted)
      out.event.fields.values[i] = value;
  }
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
  if (!has_code) return fail(out, MalformedReason::missing_code);

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
        // Quoted value: \" and \\ escapes. Unescaped into our own buffer only
        // when it has escapes (messages rarely do).
        ++i;
        std::size_t start = i;
        bool escaped = false;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            escaped = true;
            ++i;
          }
          ++i;
        }
        if (i >= line.size()) return fail(out, MalformedReason::invalid_logfmt);
        value = line.substr(start, i - start);
        ++i;  // the closing quote
        if (i < line.size() && !is_space(line[i]))
          return fail(out, MalformedReason::invalid_logfmt);
        if (escaped && key == "message") {
          std::size_t n = 0;
          for (std::size_t j = 0; j < value.size(); ++j) {
            if (value[j] == '\\' && j + 1 < value.size()) ++j;
            unescaped_[n++] = value[j];
          }
          value = std::string_view(unescaped_.get(), n);
        }
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
    return fail(out, MalformedReason::no_match);
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
