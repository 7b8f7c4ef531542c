#include "cos_exporter/parsing/line_processor.hpp"

#include <simdjson.h>

#include <cstdio>

namespace cos_exporter {

LineProcessor::LineProcessor(LineParser parser, InputCounters counters, CountingHub& hub)
    : parser_(std::move(parser)), counters_(std::move(counters)), hub_(hub) {}

void LineProcessor::process_line(std::string_view line) noexcept {
  counters_.received->add(1);
  ParseResult result = parser_.parse(line);
  if (!result.ok) {
    counters_.malformed[static_cast<std::size_t>(result.reason)]->add(1);
    report_malformed(result.reason, line);
    return;
  }
  hub_.counter().count(result.event.code, result.event.message, result.event.count);
}

void LineProcessor::process_lines(std::string_view payload) noexcept {
  while (!payload.empty()) {
    auto newline = payload.find('\n');
    if (newline == std::string_view::npos) {
      process_line(payload);
      return;
    }
    process_line(payload.substr(0, newline));
    payload.remove_prefix(newline + 1);
  }
}

void LineProcessor::count_too_long() noexcept {
  counters_.received->add(1);
  counters_.malformed[static_cast<std::size_t>(MalformedReason::too_long)]->add(1);
  report_malformed(MalformedReason::too_long, {});
}

namespace {

// The start of a bad line, safe for any log format: bytes that are not valid
// UTF-8 are written as \xNN.
std::string excerpt(std::string_view line) {
  constexpr std::size_t kExcerpt = 80;
  line = line.substr(0, kExcerpt);
  if (simdjson::validate_utf8(line.data(), line.size())) return std::string(line);
  std::string out;
  for (unsigned char c : line) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

void LineProcessor::report_malformed(MalformedReason reason, std::string_view line) noexcept {
  std::uint64_t suppressed = 0;
  if (!malformed_log_.allow(suppressed)) return;
  try {
    log_warn("skipped a malformed line; it is counted in events_malformed_total",
             {{"input", counters_.input_name},
              {"reason", std::string(to_string(reason))},
              {"line", excerpt(line)},
              {"similar_lines_not_logged", std::to_string(suppressed)}});
  } catch (...) {
    // Logging must never take the input down.
  }
}

}  // namespace cos_exporter
