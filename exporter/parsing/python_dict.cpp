#include "python_dict.hpp"

#include "event_locator.hpp"

namespace cos_exporter::python_dict_detail {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Offset just past the string whose opening quote is at `open`, or npos.
std::size_t string_end(std::string_view text, std::size_t open) {
  char const quote = text[open];
  for (std::size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == quote) return i + 1;
  }
  return std::string_view::npos;
}

// The length of a string prefix (u, b, r, br, rb, any case) at `at` that is
// followed by a quote, or 0.
std::size_t prefix_length(std::string_view text, std::size_t at, bool& bytes, bool& raw) {
  bytes = raw = false;
  std::size_t i = at;
  while (i < text.size() && i - at < 2) {
    char c = static_cast<char>(text[i] | 0x20);
    if (c == 'b')
      bytes = true;
    else if (c == 'r')
      raw = true;
    else if (c != 'u')
      break;
    ++i;
  }
  if (i > at && i < text.size() && (text[i] == '\'' || text[i] == '"')) return i - at;
  bytes = raw = false;
  return 0;
}

}  // namespace

std::size_t skip_blanks(std::string_view object, std::size_t at) noexcept {
  while (at < object.size() && is_blank(object[at])) ++at;
  return at;
}

Token read_token(std::string_view object, std::size_t at) noexcept {
  constexpr std::size_t npos = std::string_view::npos;
  Token token;
  at = skip_blanks(object, at);
  std::size_t const last = object.size() - 1;  // the dict's closing '}'
  if (at >= last) return token;
  bool bytes = false, raw = false;
  std::size_t prefix = prefix_length(object, at, bytes, raw);
  if (object[at + prefix] == '\'' || object[at + prefix] == '"') {
    std::size_t open = at + prefix;
    std::size_t end = string_end(object, open);
    if (end == npos || end > last) return token;
    token.kind = Token::Kind::value;
    token.value = {object.substr(open + 1, end - open - 2), true, bytes, raw};
    token.next = end;
    return token;
  }
  // Anything else, to the ',' ':' or '}' at depth 0: numbers, None, nested
  // containers, calls such as datetime(2026, 1, 1).
  std::size_t depth = 0;
  std::size_t i = at;
  while (i < last) {
    char c = object[i];
    if (c == '\'' || c == '"') {
      i = string_end(object, i);
      if (i == npos || i > last) return token;
      continue;
    }
    if (c == '{' || c == '[' || c == '(') {
      if (++depth > kMaxJsonDepth) {
        token.kind = Token::Kind::too_deep;
        return token;
      }
    } else if (c == '}' || c == ']' || c == ')') {
      if (depth == 0) return token;
      --depth;
    } else if (depth == 0 && (c == ',' || c == ':')) {
      break;
    }
    ++i;
  }
  if (depth != 0) return token;
  std::size_t end = i;
  while (end > at && is_blank(object[end - 1])) --end;
  if (end == at) return token;
  token.kind = Token::Kind::value;
  token.value.text = object.substr(at, end - at);
  token.next = i;
  return token;
}

}  // namespace cos_exporter::python_dict_detail
