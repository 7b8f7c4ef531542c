#include "cos_exporter/common/config_error.hpp"

#include <cstdio>

namespace cos_exporter {
namespace {

// Messages quote what the operator wrote (keys, values, the character YAML
// choked on), and a quoted newline or other control byte would break the
// one-line promise: such bytes are written as escapes.
std::string one_line(std::string const& message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::string const& file, int line, int column, std::string const& message)
    : std::runtime_error(one_line(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                  ": " + message)) {}

ConfigError::ConfigError(std::string const& whole_message)
    : std::runtime_error(one_line(whole_message)) {}

}  // namespace cos_exporter
