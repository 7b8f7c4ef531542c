#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cos_exporter/parsing/line_parser.hpp"

// One line through a fresh LineParser, as plain values a test can compare.
struct ParseOutcome {
  bool ok;
  std::string reason;
  std::int64_t code;
  std::string message;
  std::uint64_t count;
};

inline ParseOutcome parse_with(std::string_view line, cos_exporter::EventFormat format,
                               std::string const& regex, std::size_t max_line_bytes) {
  cos_exporter::LineParser parser(format, regex, max_line_bytes);
  cos_exporter::ParseResult r = parser.parse(line);
  return {r.ok, r.ok ? "" : std::string(to_string(r.reason)), r.event.code,
          std::string(r.event.message), r.event.count};
}
