// Any bytes as a datagram through the line processor, in every event format:
// never a crash, and every line is either without an event (blank, no code)
// or received once and counted as an event or skipped as malformed.
//
// Input: one selector byte (low two bits: auto, json, logfmt, regex; bit 2: a
// small max_line_bytes so too_long is reached; bits 3-5: the envelope, auto,
// none, cri, docker or syslog; bit 6: the Java SDK dialect; bit 7: extra
// labels and exemplars, with limits small enough to overflow), then the
// payload. With format regex the payload's first line is the pattern, as a
// config gives it. A CRI `P` part waits for the rest of its line, so it may
// be received only with the line that ends its run.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "cos_exporter/parsing/envelope.hpp"
#include "fuzz_support.hpp"

using namespace cos_exporter;

namespace {

constexpr EventFormat kFormats[] = {EventFormat::auto_detect, EventFormat::json,
                                    EventFormat::logfmt, EventFormat::regex};
constexpr Envelope kEnvelopes[] = {Envelope::auto_detect, Envelope::none, Envelope::cri,
                                   Envelope::docker, Envelope::syslog};

CountingHub& plain_hub() {
  static CountingHub hub = [] {
    Config config = builtin_config();
    return CountingHub(make_classifier(config), config.limits.max_unknown_codes);
  }();
  return hub;
}

// Event labels bucket and region (3 values each), a static label on the
// auto input, at most 40 labeled series; request_id and trace_id exemplars.
CountingHub& labeled_hub() {
  static CountingHub hub = [] {
    Config config = builtin_config();
    LabelPlan plan;
    plan.names = {"bucket", "region", "service"};
    plan.max_values = {3, 3, 3};
    plan.event_fields = {"bucket", "region", ""};
    plan.max_series = 40;
    plan.static_labels = {{"auto", {{"service", "uploader"}}}};
    return CountingHub(make_classifier(config), config.limits.max_unknown_codes,
                       {"request_id", "trace_id"}, plan);
  }();
  return hub;
}

// Over every family of the metric: the one without extra labels and the
// labeled one.
std::uint64_t total(CountingHub const& hub, char const* family, char const* first_label = nullptr) {
  std::uint64_t sum = 0;
  for (auto const* counters : hub.store().counter_families(family))
    for (auto const& [labels, cell] : counters->all())
      if (first_label == nullptr || labels.at(0) == first_label) sum += cell->value();
  return sum;
}

std::uint64_t lines_in(std::string_view payload) {
  auto newlines = static_cast<std::uint64_t>(std::count(payload.begin(), payload.end(), '\n'));
  return newlines + (!payload.empty() && payload.back() != '\n' ? 1 : 0);
}

// Lines that are CRI `P` parts (as the processor splits them).
std::uint64_t partial_lines_in(std::string_view payload, std::size_t max_line_bytes) {
  std::uint64_t partial = 0;
  while (!payload.empty()) {
    auto newline = payload.find('\n');
    std::string_view line = payload.substr(0, newline);
    Unwrapped cri;
    if (line.size() <= max_line_bytes && unwrap_cri(line, cri) &&
        cri.part == Unwrapped::Part::partial)
      ++partial;
    if (newline == std::string_view::npos) break;
    payload.remove_prefix(newline + 1);
  }
  return partial;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size == 0) return 0;
  EventFormat const format = kFormats[data[0] & 3];
  std::size_t const max_line_bytes = (data[0] & 4) ? 24 : 16384;
  Envelope const envelope = kEnvelopes[((data[0] >> 3) & 7) % std::size(kEnvelopes)];
  SdkDialect const dialect = (data[0] & 64) ? SdkDialect::java : SdkDialect::document;
  std::string_view payload(reinterpret_cast<char const*>(data) + 1, size - 1);

  std::string regex;
  if (format == EventFormat::regex) {
    auto newline = payload.find('\n');
    if (newline == std::string_view::npos) return 0;
    regex = std::string(payload.substr(0, newline));
    payload.remove_prefix(newline + 1);
    // The config loader refuses such a pattern before any parser exists.
    if (!LineParser::check_regex(regex).empty()) return 0;
  }
  CountingHub& hub = (data[0] & 128) ? labeled_hub() : plain_hub();
  std::optional<LineProcessor> processor;
  try {
    processor.emplace(LineParser(format, regex, max_line_bytes, envelope),
                      InputCounters(hub.store(), std::string(to_string(format))), hub, dialect);
  } catch (std::invalid_argument const&) {
    fuzz::require(false, "a regex that check_regex accepts is refused by LineParser");
  }

  std::uint64_t const received = total(hub, metric::kReceived);
  std::uint64_t const without_event = total(hub, metric::kWithoutEvent);
  std::uint64_t const malformed = total(hub, metric::kMalformed);
  std::uint64_t const events = total(hub, metric::kEvents);
  std::uint64_t const error_events = total(hub, metric::kEvents, "error");
  std::uint64_t const errors = total(hub, metric::kErrors);
  processor->process_lines(payload);
  std::uint64_t const lines = lines_in(payload);
  std::uint64_t const new_malformed = total(hub, metric::kMalformed) - malformed;
  std::uint64_t const new_events = total(hub, metric::kEvents) - events;
  std::uint64_t const new_received = total(hub, metric::kReceived) - received;
  // Lines without an event (blank, no code) are counted apart, never received.
  std::uint64_t const new_seen = new_received + total(hub, metric::kWithoutEvent) - without_event;
  std::uint64_t const waiting = envelope == Envelope::auto_detect || envelope == Envelope::cri
                                    ? partial_lines_in(payload, max_line_bytes)
                                    : 0;
  fuzz::require(
      total(hub, metric::kErrors) - errors == total(hub, metric::kEvents, "error") - error_events,
      "every error counts once by code and once by outcome, labeled or not");
  fuzz::require(new_seen <= lines && new_seen + waiting >= lines,
                "every line is received or without an event, once (a CRI part with the line "
                "it ends)");
  fuzz::require(new_malformed <= new_received, "no line is skipped twice");
  // A valid line adds its count (at least 1) to cos_events_total.
  std::uint64_t const valid = new_received - new_malformed;
  fuzz::require(valid == 0 ? new_events == 0 : new_events >= valid,
                "every line is an event or malformed, never both");
  return 0;
}
