#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cos_exporter {

// A character that Prometheus' YAML reader refuses in a rule file, however it
// is quoted there, or that breaks the line structure of a block scalar.
struct UnprintableCharacter {
  std::size_t offset = 0;  // in bytes, from the start of the text
  std::uint32_t code = 0;  // the code point, or the offending byte when not UTF-8
  bool invalid_utf8 = false;
  // "control character U+0007 at byte 12", "invalid UTF-8 byte 0xff at byte 3".
  std::string describe() const;
};

// The first character of `text` that is not printable YAML text: invalid
// UTF-8, a C0 control other than tab, newline and carriage return, DEL, a C1
// control (U+0080..U+009F, NEL among them), U+2028, U+2029 or U+FEFF.
std::optional<UnprintableCharacter> find_unprintable(std::string_view text);

// `text` as a YAML double-quoted scalar that any YAML 1.1/1.2 reader loads
// back to the same characters: yaml-cpp's emitter, escaping all but printable
// ASCII when the text holds anything find_unprintable reports.
std::string yaml_double_quoted(std::string_view text);

}  // namespace cos_exporter
