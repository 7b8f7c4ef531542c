#include "cos_exporter/parsing/envelope.hpp"

#include <cstring>
#include <new>

namespace cos_exporter {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool digits_at(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return false;
  for (std::size_t i = at; i < at + n; ++i)
    if (!is_digit(text[i])) return false;
  return true;
}

// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)` at the start of `text`; its
// length, or 0.
std::size_t rfc3339_length(std::string_view text) {
  if (!digits_at(text, 0, 4) || text.size() < 20 || text[4] != '-' || !digits_at(text, 5, 2) ||
      text[7] != '-' || !digits_at(text, 8, 2) || (text[10] != 'T' && text[10] != 't') ||
      !digits_at(text, 11, 2) || text[13] != ':' || !digits_at(text, 14, 2) || text[16] != ':' ||
      !digits_at(text, 17, 2))
    return 0;
  std::size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) return 0;
  }
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) return i + 1;
  if (i < text.size() && (text[i] == '+' || text[i] == '-') && digits_at(text, i + 1, 2) &&
      i + 3 < text.size() && text[i + 3] == ':' && digits_at(text, i + 4, 2))
    return i + 6;
  return 0;
}

// The next space-separated token of `text` from `at`; `at` moves past it and
// the one space after it. Empty when there is none.
std::string_view next_token(std::string_view text, std::size_t& at) {
  std::size_t start = at;
  while (at < text.size() && text[at] != ' ') ++at;
  std::string_view token = text.substr(start, at - start);
  if (at < text.size()) ++at;
  return token;
}

bool is_month(std::string_view text) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  for (std::size_t i = 0; i < kMonths.size(); i += 3)
    if (text == kMonths.substr(i, 3)) return true;
  return false;
}

// `Mmm dd hh:mm:ss` (the day space-padded) at the start of `text`.
bool rfc3164_timestamp(std::string_view text) {
  return text.size() >= 15 && is_month(text.substr(0, 3)) && text[3] == ' ' &&
         (text[4] == ' ' || is_digit(text[4])) && is_digit(text[5]) && text[6] == ' ' &&
         digits_at(text, 7, 2) && text[9] == ':' && digits_at(text, 10, 2) && text[12] == ':' &&
         digits_at(text, 13, 2);
}

// A TAG field as RFC 3164 writes it: `app:` or `app[123]:`.
bool is_tag(std::string_view token) {
  return token.size() >= 2 && token.back() == ':';
}

// The message of an RFC 3164 line after its PRI: past the timestamp, the host
// and the tag, whichever of them are there.
std::string_view rfc3164_message(std::string_view rest) {
  std::size_t at = 0;
  if (rfc3164_timestamp(rest)) {
    at = rest.size() > 15 && rest[15] == ' ' ? 16 : 15;
    std::size_t after_host = at;
    std::string_view host = next_token(rest, after_host);
    if (!is_tag(host)) at = after_host;
  }
  std::size_t after_tag = at;
  if (is_tag(next_token(rest, after_tag))) at = after_tag;
  return rest.substr(at);
}

// Skips RFC 5424 STRUCTURED-DATA (`-` or `[id k="v"]...`); false when it is
// not well formed.
bool skip_structured_data(std::string_view text, std::size_t& at) {
  if (at < text.size() && text[at] == '-') {
    ++at;
    return true;
  }
  if (at >= text.size() || text[at] != '[') return false;
  while (at < text.size() && text[at] == '[') {
    bool quoted = false;
    for (++at;; ++at) {
      if (at >= text.size()) return false;
      char c = text[at];
      if (quoted && c == '\\') {
        ++at;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == ']') {
        ++at;
        break;
      }
    }
  }
  return true;
}

bool rfc5424_message(std::string_view rest, std::string_view& message) {
  std::size_t at = 0;
  // VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: each present ("-" when nil).
  for (int field = 0; field < 6; ++field)
    if (next_token(rest, at).empty()) return false;
  if (!skip_structured_data(rest, at)) return false;
  if (at < rest.size() && rest[at] != ' ') return false;
  message = at < rest.size() ? rest.substr(at + 1) : std::string_view();
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (message.starts_with(kBom)) message.remove_prefix(kBom.size());
  return true;
}

Unwrapped broken() {
  return Unwrapped{false, MalformedReason::invalid_envelope, {}, false, {}};
}

}  // namespace

bool unwrap_cri(std::string_view line, Unwrapped& out) noexcept {
  std::size_t at = rfc3339_length(line);
  if (at == 0 || at >= line.size() || line[at] != ' ') return false;
  ++at;
  std::string_view stream = next_token(line, at);
  if (stream != "stdout" && stream != "stderr") return false;
  // The tag is `P` or `F`, possibly followed by more `:`-separated tags.
  std::string_view tag = next_token(line, at);
  if (tag.empty() || (tag[0] != 'P' && tag[0] != 'F') || (tag.size() > 1 && tag[1] != ':'))
    return false;
  out = Unwrapped{};
  out.part = tag[0] == 'P' ? Unwrapped::Part::partial : Unwrapped::Part::last_part;
  out.stderr_stream = stream == "stderr";
  out.body = line.substr(std::min(at, line.size()));
  return true;
}

bool unwrap_syslog(std::string_view line, Unwrapped& out) noexcept {
  if (line.size() < 3 || line[0] != '<') return false;
  // PRI: one to three digits, no leading zero, at most 191 (facility 23, severity 7).
  std::size_t end = 1;
  unsigned pri = 0;
  while (end < line.size() && end <= 3 && is_digit(line[end])) pri = pri * 10 + (line[end++] - '0');
  if (end == 1 || end >= line.size() || line[end] != '>' || pri > 191 ||
      (line[1] == '0' && end > 2)) {
    out = broken();
    return false;
  }
  std::string_view rest = line.substr(end + 1);
  out = Unwrapped{};
  if (rest.size() >= 2 && rest[0] == '1' && rest[1] == ' ') {
    if (!rfc5424_message(rest, out.body)) {
      out = broken();
      return false;
    }
    return true;
  }
  out.body = rfc3164_message(rest);
  return true;
}

EnvelopeReader::EnvelopeReader(Envelope envelope, std::size_t max_line_bytes)
    : envelope_(envelope),
      max_line_bytes_(max_line_bytes),
      padded_(new char[max_line_bytes + simdjson::SIMDJSON_PADDING]),
      log_(new char[max_line_bytes]) {
  if (envelope_ == Envelope::auto_detect || envelope_ == Envelope::docker)
    if (json_.allocate(max_line_bytes + simdjson::SIMDJSON_PADDING) != simdjson::SUCCESS)
      throw std::bad_alloc();
}

Unwrapped EnvelopeReader::unwrap_docker(std::string_view line, bool strict) noexcept {
  Unwrapped plain{true, MalformedReason::blank, Unwrapped::Part::whole, false, line};
  if (line.size() > max_line_bytes_ || !simdjson::validate_utf8(line.data(), line.size()))
    return strict ? broken() : plain;
  std::memcpy(padded_.get(), line.data(), line.size());
  std::memset(padded_.get() + line.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  std::string_view log;
  if (json_.parse(padded_.get(), line.size(), false).get(root) || root["log"].get(log))
    return strict ? broken() : plain;
  // The text lives in the parser's string buffer until its next parse: the
  // event parser may need a parser of its own, so keep a copy.
  std::memcpy(log_.get(), log.data(), log.size());
  return Unwrapped{true, MalformedReason::blank, Unwrapped::Part::whole, false,
                   std::string_view(log_.get(), log.size())};
}

Unwrapped EnvelopeReader::unwrap_envelope(std::string_view line) noexcept {
  Unwrapped out{true, MalformedReason::blank, Unwrapped::Part::whole, false, line};
  switch (envelope_) {
    case Envelope::none:
      return out;
    case Envelope::cri:
      return unwrap_cri(line, out) ? out : broken();
    case Envelope::docker:
      return unwrap_docker(line, true);
    case Envelope::syslog:
      if (line.empty() || line[0] != '<') return broken();
      unwrap_syslog(line, out);
      return out;
    case Envelope::auto_detect:
      break;
  }
  if (line.empty()) return out;
  if (line[0] == '<' && line.size() > 1 && is_digit(line[1])) {
    unwrap_syslog(line, out);
    return out;
  }
  if (line.starts_with(R"({"log":)")) return unwrap_docker(line, false);
  if (is_digit(line[0])) {
    Unwrapped cri;
    if (unwrap_cri(line, cri)) return cri;
  }
  return out;
}

}  // namespace cos_exporter
