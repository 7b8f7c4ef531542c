#include "cos_exporter/intake/line_processor.hpp"

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {

LineProcessor::LineProcessor(LineParser parser, InputCounters counters, CountingHub& hub)
    : parser_(std::move(parser)), counters_(std::move(counters)), hub_(hub) {}

void LineProcessor::reconfigure(LineParser parser, InputCounters counters) noexcept {
  parser_ = std::move(parser);
  counters_ = std::move(counters);
  labels_of_ = 0;
}

void LineProcessor::set_source_path(std::string_view path) {
  if (path == source_path_) return;
  source_path_ = path;
  labels_of_ = 0;
}

void LineProcessor::resolve_source_labels(EventCounter& counter) noexcept {
  source_overflow_ =
      counter.labels().source_ids(counters_.input_name, source_path_, source_labels_);
  labels_of_ = counter.id();
}

void LineProcessor::process_line(std::string_view line) noexcept {
  counters_.received->add(1);
  EventCounter& counter = hub_.counter();
  ParseResult result = parser_.parse(line, counter.field_names());
  if (!result.ok) {
    counters_.malformed[static_cast<std::size_t>(result.reason)]->add(1);
    report_malformed(result.reason, line);
    return;
  }
  Event const& event = result.event;
  if (!counter.labels().active()) {
    counter.count(event.code, event.message, event.count, event.fields);
    return;
  }
  if (labels_of_ != counter.id()) resolve_source_labels(counter);
  LabeledSeries::ValueIds labels = source_labels_;
  counter.labels().event_ids(event.fields, event.count, labels);
  if (source_overflow_ != 0) counter.labels().add_source_overflow(source_overflow_, event.count);
  counter.count(event.code, event.message, event.count, event.fields, &labels);
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

// The start of a bad line, safe for any log format.
std::string excerpt(std::string_view line) {
  constexpr std::size_t kExcerpt = 80;
  return sanitize_utf8(line.substr(0, kExcerpt));
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
