#include "escapes.hpp"

#include <cstdint>

namespace cos_exporter {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of `digits` hex digits at body[at], or -1.
long hex_value(std::string_view body, std::size_t at, std::size_t digits) {
  if (at + digits > body.size()) return -1;
  long value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    int d = hex_digit(body[at + i]);
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

bool is_surrogate(long cp) {
  return cp >= 0xD800 && cp <= 0xDFFF;
}

// Writes a code point (not a surrogate, at most 0x10FFFF) as UTF-8.
std::size_t put_utf8(long cp, char* out) {
  auto b = [](long v) { return static_cast<char>(static_cast<unsigned char>(v)); };
  if (cp < 0x80) {
    out[0] = b(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = b(0xC0 | (cp >> 6));
    out[1] = b(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = b(0xE0 | (cp >> 12));
    out[1] = b(0x80 | ((cp >> 6) & 0x3F));
    out[2] = b(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = b(0xF0 | (cp >> 18));
  out[1] = b(0x80 | ((cp >> 12) & 0x3F));
  out[2] = b(0x80 | ((cp >> 6) & 0x3F));
  out[3] = b(0x80 | (cp & 0x3F));
  return 4;
}

// One-character escapes both dialects share, or 0.
char simple_escape(char c) {
  switch (c) {
    case '\\':
    case '\'':
    case '"':
      return c;
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return 0;
  }
}

struct Escape {
  long cp = -1;            // the code point, or -1: no escape the dialect knows
  std::size_t length = 0;  // backslash included
};

// Copies `body` to `out`, each backslash escape replaced by the UTF-8 of the
// code point escape_at(i) reads at body[i] (its backslash); one it does not
// know, or that is no text (a surrogate; above 0x7f with ascii_only), stays
// as written.
template <typename EscapeAt>
std::size_t decode(std::string_view body, char* out, bool ascii_only, EscapeAt&& escape_at) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < body.size()) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out[n++] = body[i++];
      continue;
    }
    Escape e = escape_at(i);
    bool const usable =
        e.cp >= 0 && e.cp <= 0x10FFFF && !is_surrogate(e.cp) && (!ascii_only || e.cp < 0x80);
    if (!usable) {
      out[n++] = body[i++];
      continue;
    }
    n += put_utf8(e.cp, out + n);
    i += e.length;
  }
  return n;
}

}  // namespace

std::size_t decode_python_string(std::string_view body, bool bytes, char* out) noexcept {
  return decode(body, out, bytes, [&](std::size_t i) {
    char const c = body[i + 1];
    Escape e;
    if (char simple = simple_escape(c); simple != 0) {
      e = {simple, 2};
    } else if (c == 'a' || c == 'v') {
      e = {c == 'a' ? 0x07 : 0x0B, 2};
    } else if (c >= '0' && c <= '7') {
      e = {0, 1};
      while (e.length < 4 && i + e.length < body.size() && body[i + e.length] >= '0' &&
             body[i + e.length] <= '7')
        e.cp = e.cp * 8 + (body[i + e.length++] - '0');
    } else if (c == 'x') {
      e = {hex_value(body, i + 2, 2), 4};
    } else if (!bytes && (c == 'u' || c == 'U')) {
      std::size_t digits = c == 'u' ? 4 : 8;
      e = {hex_value(body, i + 2, digits), 2 + digits};
    }
    return e;
  });
}

std::size_t decode_logfmt_string(std::string_view body, char* out) noexcept {
  return decode(body, out, false, [&](std::size_t i) {
    char const c = body[i + 1];
    if (char simple = simple_escape(c); simple != 0) return Escape{simple, 2};
    if (c == '/') return Escape{'/', 2};
    Escape e{c == 'u' ? hex_value(body, i + 2, 4) : -1, 6};
    if (e.cp >= 0xD800 && e.cp <= 0xDBFF && i + 12 <= body.size() && body[i + 6] == '\\' &&
        body[i + 7] == 'u') {
      long low = hex_value(body, i + 8, 4);
      if (low >= 0xDC00 && low <= 0xDFFF)
        e = {0x10000 + ((e.cp - 0xD800) << 10) + (low - 0xDC00), 12};
    }
    return e;
  });
}

}  // namespace cos_exporter
