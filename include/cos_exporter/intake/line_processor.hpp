#pragma once

#include <string>
#include <string_view>

#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/input_counters.hpp"
#include "cos_exporter/parsing/line_parser.hpp"
#include "cos_exporter/parsing/partial_lines.hpp"

namespace cos_exporter {

// What every input does with the bytes it receives: split them into lines,
// take off each line's envelope (joining CRI partial lines), parse the event
// and count it (as an event, as malformed, or as a line without an event) with
// the input's SDK dialect.
// The hub's current EventCounter is looked up per line, so a reload takes
// effect at once. No allocation per line (a CRI run of partial lines
// allocates its buffer once per run).
class LineProcessor {
 public:
  // What one line or record counted as: an event, or the reason it did not.
  struct Outcome {
    bool event = true;
    MalformedReason reason = MalformedReason::blank;  // when !event
  };

  LineProcessor(LineParser parser, InputCounters counters, CountingHub& hub,
                SdkDialect dialect = SdkDialect::document);

  // One line, without its '\n'. A trailing '\r' is dropped. `source` says
  // where it came from (a file's path), so that CRI partial lines of
  // different files are not joined together.
  void process_line(std::string_view line, std::string_view source = {}) noexcept;
  // A datagram: lines separated by '\n', the last '\n' optional.
  void process_lines(std::string_view payload) noexcept;

  // A record of a structured transport (an OTLP log record) whose body is a
  // line: parsed as any other line (envelope, format), then the record's own
  // fields (its trace id, its attributes: non-empty values, by
  // field_names() index) take the place of the line's.
  Outcome process_record_line(std::string_view line, EventFields const& record_fields) noexcept;
  // An event a structured record carried (an OTLP record's attributes or map
  // body), counted as an event line is.
  Outcome count_record(Event const& event) noexcept;
  // A line or record that counts no event: malformed, or without an event
  // (holds_no_event(reason)); `line` is what the log shows of it.
  Outcome count_malformed(MalformedReason reason, std::string_view line) noexcept;

  // An input's settings changed in place (format, regex, envelope, sdk,
  // max_line_bytes, name): the next line is parsed and counted the new way.
  // CRI runs already open go on.
  void reconfigure(LineParser parser, InputCounters counters, SdkDialect dialect) noexcept;

  // The file the next lines come from (file inputs), for its path labels.
  void set_source_path(std::string_view path);

  InputCounters const& counters() const { return counters_; }
  // Lines over max_line_bytes seen by a followed_path (which never holds them whole).
  void count_too_long() noexcept;

 private:
  void count_event(std::string_view text, std::string_view line) noexcept;
  // A storm of bad input is logged once per interval, never once per line.
  void report_malformed(MalformedReason reason, std::string_view line) noexcept;

  // The extra label values of this input (and file), resolved once per
  // counter in force.
  void resolve_source_labels(EventCounter& counter) noexcept;

  LineParser parser_;
  std::string source_path_;
  std::uint64_t labels_of_ = 0;  // EventCounter::id() source_labels_ were resolved for
  LabeledSeries::ValueIds source_labels_{};
  std::uint32_t source_overflow_ = 0;
  PartialLines partial_lines_;
  SdkDialect dialect_;
  LogRateLimiter malformed_log_;
  InputCounters counters_;
  CountingHub& hub_;
};

}  // namespace cos_exporter
