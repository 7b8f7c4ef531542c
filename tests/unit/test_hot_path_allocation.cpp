// The per-event path allocates nothing: this file replaces the global
// operator new to count allocations while lines are processed.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "daemon/label_plan_factory.hpp"
#include "inputs/otlp/otlp_handler.hpp"

namespace {
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;
}  // namespace

// AddressSanitizer brings its own operator new; replacing it as well makes
// libraries' new and our delete disagree. Sanitizer builds leave it alone
// (and this test then only checks the counts); the normal build counts.
#if !defined(__SANITIZE_ADDRESS__)
#define COS_COUNT_ALLOCATIONS 1
void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
#endif

using namespace cos_exporter;

TEST_CASE("parsing, classifying and counting an event, exemplar included, allocates nothing",
          "[hot-path]") {
  Config config = builtin_config();
  CountingHub hub(make_classifier(config), config.limits.max_unknown_codes, config.exemplar_fields);
  LineProcessor processor(LineParser(EventFormat::auto_detect, "", config.limits.max_line_bytes),
                          InputCounters(hub.store(), "test"), hub);
  LineProcessor regex_processor(
      LineParser(EventFormat::regex, R"(code=(?P<code>-?\d+)(?: msg=(?P<message>\S+))?)",
                 config.limits.max_line_bytes),
      InputCounters(hub.store(), "regex"), hub);
  // Unknown codes get their series on first sight (bounded by
  // max_unknown_codes); after that they are on the hot path too.
  processor.process_line(R"({"code":70001})");
  processor.process_line("{u'code': -133, u'message': u'ERROR_CMD_BUCKET_NOTEXIST'}");
  // The first malformed line is logged; the rate limiter holds back the rest.
  processor.process_line("{");
  regex_processor.process_line("no code here");

  std::string const datagram =
      "{\"code\":-96,\"message\":\"ERROR_PROXY_AUTH_EXPIRED\",\"request_id\":\"NTk\"}\n"
      "{\"code\":-4016,\"request_id\":\"NTk0ZGY3XzQ2ZTMwYjA5XzEyMzQ1Njc4XzE\",\"trace_id\":"
      "\"4bf92f\"}\n"
      "code=-4016 request_id=NTk0 trace_id=\"a b\"\n"
      "{\"code\":\"-4016\",\"count\":3}\n"
      "code=-61 message=\"ERROR_PROXY_INVALID_CMD_REQ\"\n"
      "code=-61 message=\"escaped \\\"name\\\"\"\n"
      "-61\n0\n503\n{\"code\":70001}\n"
      "{\n\xff\nhello\n\n"
      // Lines real clients write: the event inside the line, a Python dict,
      // CRI, Docker and syslog envelopes, a bad PRI, and a CRI line in parts
      // (each run of parts allocates its buffer once: it is not here).
      "2026-11-28 10:00:01,123 WARN [main] x - message:{\"message\":\"m\",\"code\":-1} end\n"
      "ERROR:root:failed: {u'code': -133, u'message': u'ERROR_CMD_BUCKET_NOTEXIST'}\n"
      "2026-11-28T10:00:00.1Z stdout F {\"code\":-96}\n"
      "{\"log\":\"{\\\"code\\\":-96}\\n\",\"stream\":\"stdout\"}\n"
      "<131>Nov 28 10:00:00 host app[1]: {\"code\":-96}\n"
      "<14>1 2026-11-28T10:00:00Z host app - - [a b=\"c\"] code=-96\n"
      "<999>x: -96\n";
  auto run = [&] {
    for (int i = 0; i < 100; ++i) {
      processor.process_lines(datagram);
      regex_processor.process_line("x code=-4016 msg=ErrNotSameSHA");
      regex_processor.process_line("no code here");
    }
  };
  // RE2's lazy DFA builds its states on the first lines it sees.
  run();
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 100; ++i) {
    processor.process_lines(datagram);
    regex_processor.process_line("x code=-4016 msg=ErrNotSameSHA");
    regex_processor.process_line("no code here");
  }
  g_counting = false;
#ifdef COS_COUNT_ALLOCATIONS
  CHECK(g_allocations == 0);
#endif
  // Of the 21 lines of the datagram, three hold no event ("\xff", "hello", "").
  CHECK(processor.counters().received->value() == 3 + 200 * 18);
  CHECK(processor.counters().without_event[0]->value() == 200);
  CHECK(processor.counters().without_event[1]->value() == 400);
}

TEST_CASE("an event with extra labels and an exemplar allocates nothing once its series exist",
          "[hot-path]") {
  Config config = parse_config(
      "inputs:\n  udp:\n    - {name: udp, listen: '127.0.0.1:0', labels: {service: up}}\n"
      "event_labels:\n  - {name: bucket, field: bucket}\n  - {name: region, field: region}\n",
      "c.yaml");
  CountingHub hub(make_classifier(config), config.limits.max_unknown_codes, config.exemplar_fields,
                  make_label_plan(config));
  LineProcessor processor(LineParser(EventFormat::auto_detect, "", config.limits.max_line_bytes),
                          InputCounters(hub.store(), "udp"), hub);
  std::string const datagram =
      "{\"code\":-4016,\"bucket\":\"photos\",\"region\":\"ap-guangzhou\",\"request_id\":\"NTk\"}\n"
      "code=-96 bucket=docs request_id=NTk1\n"
      "{\"code\":0,\"bucket\":\"photos\"}\n"
      "{\"code\":70001,\"region\":\"ap-beijing\"}\n";
  processor.process_lines(datagram);  // the series are made here
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 100; ++i) processor.process_lines(datagram);
  g_counting = false;
#ifdef COS_COUNT_ALLOCATIONS
  CHECK(g_allocations == 0);
#endif
  CHECK(processor.counters().received->value() == 101 * 4);
}

namespace {

// An OTLP/JSON request of `n` records, each an event with trace context, a
// third of each shape (a string body holding a line, a map body, attributes).
std::string otlp_json(int n) {
  std::string out = R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":)"
                    R"({"stringValue":"checkout"}}]},"scopeLogs":[{"logRecords":[)";
  for (int i = 0; i < n; ++i) {
    if (i) out += ",";
    out += R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",)";
    if (i % 3 == 0)
      out += R"("body":{"stringValue":"{\"code\":-4016,\"request_id\":\"r\"}"}})";
    else if (i % 3 == 1)
      out += R"("body":{"kvlistValue":{"values":[{"key":"code","value":{"intValue":"-96"}}]}}})";
    else
      out += R"("attributes":[{"key":"cos.error.code","value":{"intValue":-5997}}]})";
  }
  return out + "]}]}]}";
}

}  // namespace

TEST_CASE("an OTLP request allocates no more for 99 records than for 3 once its series exist",
          "[hot-path][otlp]") {
  Config config = parse_config(
      "exemplar_fields: [trace_id, span_id]\n"
      "event_labels:\n  - {name: service, field: service.name}\n",
      "c.yaml");
  CountingHub hub(make_classifier(config), config.limits.max_unknown_codes, config.exemplar_fields,
                  make_label_plan(config));
  LineProcessor processor(LineParser(EventFormat::auto_detect, "", config.limits.max_line_bytes),
                          InputCounters(hub.store(), "otel"), hub);
  otlp::RequestHandler handler(processor, hub, 1 << 20);
  std::string const small = otlp_json(3), large = otlp_json(99);
  auto allocations_of = [&](std::string const& body) {
    g_allocations = 0;
    g_counting = true;
    auto answer = handler.handle({"POST", "/v1/logs", "application/json", "", body});
    g_counting = false;
    CHECK(answer.status == 200);
    return g_allocations;
  };
  // The series, the parser's buffers and the JSON document's are made here.
  allocations_of(large);
  allocations_of(small);
  std::size_t const per_small = allocations_of(small);
  std::size_t const per_large = allocations_of(large);
#ifdef COS_COUNT_ALLOCATIONS
  // What a request allocates (its answer) does not grow with its records.
  CHECK(per_large == per_small);
#endif
  (void)per_small;
  (void)per_large;
  CHECK(processor.counters().received->value() == 2 * 99 + 2 * 3);
}
