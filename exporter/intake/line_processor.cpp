#include "cos_exporter/intake/line_processor.hpp"

#include <new>

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {

LineProcessor::LineProcessor(LineParser parser, InputCounters counters, CountingHub& hub,
                             SdkDialect dialect)
    : parser_(std::move(parser)),
      partial_lines_(parser_.max_line_bytes()),
      dialect_(dialect),
      counters_(std::move(counters)),
      hub_(hub) {}

void LineProcessor::reconfigure(LineParser parser, InputCounters counters,
                                SdkDialect dialect) noexcept {
  parser_ = std::move(parser);
  partial_lines_.set_max_line_bytes(parser_.max_line_bytes());
  counters_ = std::move(counters);
  dialect_ = dialect;
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

void LineProcessor::process_line(std::string_view line, std::string_view source) noexcept {
  if (line.size() > parser_.max_line_bytes())
    return void(count_malformed(MalformedReason::too_long, line));
  Unwrapped unwrapped = parser_.unwrap(line);
  if (!unwrapped.ok) return void(count_malformed(unwrapped.reason, line));
  if (unwrapped.part == Unwrapped::Part::whole) return count_event(unwrapped.body, line);

  // A CRI line: `P` parts wait for the `F` part that ends their line, and
  // the joined line counts once.
  using Outcome = PartialLines::Outcome;
  Outcome outcome = Outcome::complete;
  std::string_view text = unwrapped.body;
  try {
    if (unwrapped.part == Unwrapped::Part::partial)
      outcome = partial_lines_.add_part(source, unwrapped.stderr_stream, unwrapped.body);
    else
      outcome = partial_lines_.finish(source, unwrapped.stderr_stream, unwrapped.body, text);
  } catch (std::bad_alloc const&) {
    outcome = Outcome::no_room;
  }
  switch (outcome) {
    case Outcome::pending:
    case Outcome::dropped:
      return;
    case Outcome::complete:
      return count_event(text, line);
    case Outcome::too_long:
      return void(count_malformed(MalformedReason::too_long, line));
    case Outcome::no_room:
      return void(count_malformed(MalformedReason::invalid_envelope, line));
  }
}

void LineProcessor::count_event(std::string_view text, std::string_view line) noexcept {
  ParseResult result = parser_.parse(text, hub_.counter().field_names());
  if (!result.ok) {
    count_malformed(result.reason, line);
    return;
  }
  count_record(result.event);
}

LineProcessor::Outcome LineProcessor::process_record_line(
    std::string_view line, EventFields const& record_fields) noexcept {
  if (line.size() > parser_.max_line_bytes())
    return count_malformed(MalformedReason::too_long, line);
  Unwrapped unwrapped = parser_.unwrap(line);
  if (!unwrapped.ok) return count_malformed(unwrapped.reason, line);
  // A record is whole: a CRI part marker joins nothing here.
  ParseResult result = parser_.parse(unwrapped.body, hub_.counter().field_names());
  if (!result.ok) return count_malformed(result.reason, line);
  for (std::size_t i = 0; i < kMaxEventFields; ++i)
    if (!record_fields.values[i].empty()) result.event.fields.values[i] = record_fields.values[i];
  return count_record(result.event);
}

LineProcessor::Outcome LineProcessor::count_record(Event const& event) noexcept {
  EventCounter& counter = hub_.counter();
  counters_.received->add(1);
  if (!counter.labels().active()) {
    counter.count(event.code, event.message, event.count, dialect_, event.fields);
    return {};
  }
  if (labels_of_ != counter.id()) resolve_source_labels(counter);
  LabeledSeries::ValueIds labels = source_labels_;
  counter.labels().event_ids(event.fields, event.count, labels);
  if (source_overflow_ != 0) counter.labels().add_source_overflow(source_overflow_, event.count);
  counter.count(event.code, event.message, event.count, dialect_, event.fields, &labels);
  return {};
}

LineProcessor::Outcome LineProcessor::count_malformed(MalformedReason reason,
                                                      std::string_view line) noexcept {
  if (holds_no_event(reason)) {
    // Not an event line, and no fault of the line: counted apart, not logged.
    counters_.without_event[static_cast<std::size_t>(reason) - kMalformedReasonCount]->add(1);
    return {false, reason};
  }
  counters_.received->add(1);
  counters_.malformed[static_cast<std::size_t>(reason)]->add(1);
  report_malformed(reason, line);
  return {false, reason};
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
  count_malformed(MalformedReason::too_long, {});
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
