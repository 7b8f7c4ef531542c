#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cos_exporter {

// One value of a Python dict literal as repr() writes it: a quoted string
// (its body between the quotes, escapes not yet decoded) or anything else as
// written (an integer, None, a nested container).
struct PythonValue {
  std::string_view text;
  bool quoted = false;
  bool bytes = false;  // b'...': escapes decode to bytes
  bool raw = false;    // r'...': no escapes
};

// Reads the top-level entries of the dict literal `object` (from its '{' to
// its '}'), calling visit(key, value) for each entry whose key is a string
// (its body as written); nested dicts, lists and tuples are values, never
// entries. False when `object` is not a dict literal; `too_deep` is set when
// it nests deeper than kMaxJsonDepth.
template <typename Visit>
bool read_python_dict(std::string_view object, Visit&& visit, bool& too_deep) noexcept;

namespace python_dict_detail {

struct Token {
  enum class Kind : std::uint8_t { value, broken, too_deep };
  Kind kind = Kind::broken;
  PythonValue value;
  std::size_t next = 0;  // offset past the token
};

// The key or value starting at `at` (after blanks): a string literal with its
// prefix, or anything up to the ',' ':' or '}' that ends it at depth 0.
Token read_token(std::string_view object, std::size_t at) noexcept;
std::size_t skip_blanks(std::string_view object, std::size_t at) noexcept;

}  // namespace python_dict_detail

template <typename Visit>
bool read_python_dict(std::string_view object, Visit&& visit, bool& too_deep) noexcept {
  using namespace python_dict_detail;
  too_deep = false;
  if (object.size() < 2 || object.front() != '{' || object.back() != '}') return false;
  std::size_t at = skip_blanks(object, 1);
  if (at == object.size() - 1) return true;  // {}
  while (true) {
    Token key = read_token(object, at);
    if (key.kind == Token::Kind::too_deep) too_deep = true;
    if (key.kind != Token::Kind::value) return false;
    at = skip_blanks(object, key.next);
    if (at >= object.size() || object[at] != ':') return false;
    Token value = read_token(object, at + 1);
    if (value.kind == Token::Kind::too_deep) too_deep = true;
    if (value.kind != Token::Kind::value) return false;
    if (key.value.quoted) visit(key.value.text, value.value);
    at = skip_blanks(object, value.next);
    if (at == object.size() - 1) return true;
    if (object[at] != ',') return false;
    at = skip_blanks(object, at + 1);
    if (at == object.size() - 1) return true;  // a trailing comma
  }
}

}  // namespace cos_exporter
