#include "cos_exporter/common/json_string.hpp"

#include <cstdio>

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {

void append_json_string(std::string& out, std::string_view value) {
  // JSON text is UTF-8: other bytes become \xNN first (then \\xNN in JSON).
  std::string sanitized;
  if (!is_valid_utf8(value)) {
    sanitized = sanitize_utf8(value);
    value = sanitized;
  }
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", c);
          out += escape;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace cos_exporter
