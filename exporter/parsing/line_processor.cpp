#include "cos_exporter/parsing/line_processor.hpp"

namespace cos_exporter {

LineProcessor::LineProcessor(LineParser parser, InputCounters counters, CountingHub& hub)
    : parser_(std::move(parser)), counters_(std::move(counters)), hub_(hub) {}

void LineProcessor::process_line(std::string_view line) noexcept {
  counters_.received->add(1);
  ParseResult result = parser_.parse(line);
  if (!result.ok) {
    counters_.malformed[static_cast<std::size_t>(result.reason)]->add(1);
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
}

}  // namespace cos_exporter
