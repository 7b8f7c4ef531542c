#include "cos_exporter/common/utf8.hpp"

#include <simdjson.h>

namespace cos_exporter {
namespace {

// How long the sequence a lead byte starts would be; 1 for a byte that
// cannot start one (ASCII is handled before).
std::size_t sequence_length(unsigned char lead) noexcept {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  return simdjson::validate_utf8(text.data(), text.size());
}

void append_sanitized_utf8(std::string& out, std::string_view text) {
  if (is_valid_utf8(text)) {
    out += text;
    return;
  }
  constexpr char kHex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      out += text[i++];
      continue;
    }
    // simdjson judges each candidate sequence: overlong forms, surrogates and
    // code points beyond U+10FFFF are refused as in the whole-text check.
    std::size_t length = sequence_length(byte);
    if (length > 1 && i + length <= text.size() && is_valid_utf8(text.substr(i, length))) {
      out += text.substr(i, length);
      i += length;
      continue;
    }
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
    ++i;
  }
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_sanitized_utf8(out, text);
  return out;
}

}  // namespace cos_exporter
