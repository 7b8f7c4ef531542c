#include "cos_exporter/common/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>

namespace cos_exporter {

std::string UnprintableCharacter::describe() const {
  char text[96];
  if (invalid_utf8) {
    std::snprintf(text, sizeof text, "invalid UTF-8 byte 0x%02x at byte %zu", code, offset);
  } else {
    std::snprintf(text, sizeof text, "control character U+%04X at byte %zu", code, offset);
  }
  return text;
}

std::optional<UnprintableCharacter> find_unprintable(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto const lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80                    ? 1
                         : lead >= 0xc2 && lead <= 0xdf ? 2
                         : lead >= 0xe0 && lead <= 0xef ? 3
                         : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                        : 0;
    std::uint32_t code = length == 1   ? lead
                         : length == 2 ? lead & 0x1f
                         : length == 3 ? lead & 0x0f
                                       : lead & 0x07;
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      auto const next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xc0) == 0x80;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    valid = valid && !(length == 3 && code < 0x800) && !(length == 4 && code < 0x10000) &&
            !(code >= 0xd800 && code <= 0xdfff) && code <= 0x10ffff;
    if (!valid) return UnprintableCharacter{i, lead, true};
    bool const control = (code < 0x20 && code != '\t' && code != '\n' && code != '\r') ||
                         (code >= 0x7f && code <= 0x9f) || code == 0x2028 || code == 0x2029 ||
                         code == 0xfeff;
    if (control) return UnprintableCharacter{i, code, false};
    i += length;
  }
  return std::nullopt;
}

std::string yaml_double_quoted(std::string_view text) {
  YAML::Emitter out;
  // yaml-cpp leaves DEL, U+2028 and U+2029 raw unless it escapes all non-ASCII.
  if (find_unprintable(text)) out.SetOutputCharset(YAML::EscapeNonAscii);
  out << YAML::DoubleQuoted << std::string(text);
  return out.c_str();
}

}  // namespace cos_exporter
