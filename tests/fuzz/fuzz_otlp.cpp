// Any bytes as the body of an OTLP/HTTP logs request, through the otlp
// input's handler (inflate, protobuf or JSON decoding, each record counted):
// never a crash; the answer is 200, 400 or 413; a request answered 200 counts
// each of its records once (as an event, malformed or without an event), and
// any other answer counts nothing.
//
// Input: one selector byte (bit 0: JSON, else protobuf; bit 1: the body is
// gzip-compressed; bit 2: a small max_body_bytes so 413 is reached; bit 3:
// trace_id, span_id and service.name as exemplar and label fields), then the
// body.
#include <cstdint>
#include <string>
#include <string_view>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "fuzz_support.hpp"
#include "inputs/otlp/otlp_handler.hpp"

using namespace cos_exporter;

namespace {

CountingHub& hub(bool fields) {
  static CountingHub plain = [] {
    Config config = builtin_config();
    return CountingHub(make_classifier(config), config.limits.max_unknown_codes);
  }();
  static CountingHub labeled = [] {
    Config config = builtin_config();
    LabelPlan plan;
    plan.names = {"service"};
    plan.max_values = {3};
    plan.event_fields = {"service.name"};
    plan.max_series = 40;
    return CountingHub(make_classifier(config), config.limits.max_unknown_codes,
                       {"trace_id", "span_id"}, plan);
  }();
  return fields ? labeled : plain;
}

std::uint64_t total(CountingHub const& hub, char const* family) {
  std::uint64_t sum = 0;
  for (auto const* counters : hub.store().counter_families(family))
    for (auto const& [labels, cell] : counters->all())
      if (labels.at(0) == "otlp") sum += cell->value();
  return sum;
}

std::uint64_t counted(CountingHub const& hub) {
  return total(hub, metric::kReceived) + total(hub, metric::kWithoutEvent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size == 0) return 0;
  bool const json = data[0] & 1;
  bool const gzip = data[0] & 2;
  std::size_t const max_body_bytes = (data[0] & 4) ? 64 : 1 << 20;
  CountingHub& counting = hub(data[0] & 8);
  std::string_view body(reinterpret_cast<char const*>(data) + 1, size - 1);

  static LineProcessor plain(LineParser(EventFormat::auto_detect, "", 16384),
                             InputCounters(hub(false).store(), "otlp"), hub(false));
  static LineProcessor labeled(LineParser(EventFormat::auto_detect, "", 16384),
                               InputCounters(hub(true).store(), "otlp"), hub(true));
  LineProcessor& processor = (data[0] & 8) ? labeled : plain;
  otlp::RequestHandler handler(processor, counting, max_body_bytes);
  std::uint64_t const before = counted(counting);
  otlp::Answer answer =
      handler.handle({"POST", "/v1/logs", json ? "application/json" : "application/x-protobuf",
                      gzip ? "gzip" : "", body});
  std::uint64_t const after = counted(counting);
  fuzz::require(answer.status == 200 || answer.status == 400 || answer.status == 413,
                "an answer other than 200, 400 or 413 to a POST /v1/logs");
  if (answer.status == 200)
    fuzz::require(after - before == handler.tally().records,
                  "a 200 answer did not count each record once");
  else
    fuzz::require(after == before, "a request answered with an error counted something");
  return 0;
}
