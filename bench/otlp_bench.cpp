// CPU per OTLP log record inside the exporter, without HTTP: a batch of 100
// records (a third string bodies holding a JSON event line, a third map
// bodies, a third the code in attributes; each with trace context) decoded
// and counted by the otlp input's RequestHandler, protobuf or JSON.
// Run: build/bench/otlp_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "inputs/otlp/otlp_handler.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

using namespace cos_exporter;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

namespace {

constexpr int kBatch = 100;

std::string hex(std::uint64_t value, int digits) {
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%0*llx", digits, static_cast<unsigned long long>(value));
  return buffer;
}

std::string bytes_of(std::string const& hex_text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex_text.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex_text.substr(i, 2), nullptr, 16)));
  return out;
}

ExportLogsServiceRequest batch() {
  ExportLogsServiceRequest request;
  auto* resource_logs = request.add_resource_logs();
  auto* service = resource_logs->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("bench");
  auto* scope = resource_logs->add_scope_logs();
  for (int i = 0; i < kBatch; ++i) {
    auto* record = scope->add_log_records();
    record->set_trace_id(bytes_of(hex(0x4bf92f3577b34da6ull + i, 16) + hex(i, 16)));
    record->set_span_id(bytes_of(hex(0x00f067aa0ba902b7ull + i, 16)));
    if (i % 3 == 0) {
      record->mutable_body()->set_string_value(
          R"({"code":-4016,"message":"ErrNotSameSHA","request_id":"r)" + std::to_string(i) +
          R"("})");
    } else if (i % 3 == 1) {
      auto* map = record->mutable_body()->mutable_kvlist_value();
      auto* code = map->add_values();
      code->set_key("code");
      code->mutable_value()->set_int_value(-96);
      auto* message = map->add_values();
      message->set_key("message");
      message->mutable_value()->set_string_value("expired");
    } else {
      record->mutable_body()->set_string_value("declined");
      auto* code = record->add_attributes();
      code->set_key("cos.error.code");
      code->mutable_value()->set_int_value(-5997);
    }
  }
  return request;
}

// The same request in OTLP/JSON.
std::string json_batch() {
  std::string out =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bench"}}]},"scopeLogs":[{"logRecords":[)";
  for (int i = 0; i < kBatch; ++i) {
    if (i) out += ",";
    out += R"({"traceId":")" + hex(0x4bf92f3577b34da6ull + i, 16) + hex(i, 16) + R"(","spanId":")" +
           hex(0x00f067aa0ba902b7ull + i, 16) + R"(",)";
    if (i % 3 == 0)
      out +=
          R"("body":{"stringValue":"{\"code\":-4016,\"message\":\"ErrNotSameSHA\",\"request_id\":\"r)" +
          std::to_string(i) + R"(\"}"}})";
    else if (i % 3 == 1)
      out +=
          R"("body":{"kvlistValue":{"values":[{"key":"code","value":{"intValue":"-96"}},{"key":"message","value":{"stringValue":"expired"}}]}}})";
    else
      out +=
          R"("body":{"stringValue":"declined"},"attributes":[{"key":"cos.error.code","value":{"intValue":"-5997"}}]})";
  }
  return out + "]}]}]}";
}

void run(benchmark::State& state, char const* content_type, std::string const& body) {
  Config config = builtin_config();
  CountingHub hub(make_classifier(config), config.limits.max_unknown_codes,
                  {"trace_id", "span_id"});
  LineProcessor processor(LineParser(EventFormat::auto_detect, "", config.limits.max_line_bytes),
                          InputCounters(hub.store(), "otel"), hub);
  otlp::RequestHandler handler(processor, hub, 4 << 20);
  for (auto _ : state) {
    auto answer = handler.handle({"POST", "/v1/logs", content_type, "", body});
    if (answer.status != 200) state.SkipWithError("not 200");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["events_per_request"] =
      static_cast<double>(handler.tally().events) / static_cast<double>(state.iterations());
}

void BM_OtlpProtobufBatch100(benchmark::State& state) {
  run(state, "application/x-protobuf", batch().SerializeAsString());
}
void BM_OtlpJsonBatch100(benchmark::State& state) {
  run(state, "application/json", json_batch());
}

}  // namespace

BENCHMARK(BM_OtlpProtobufBatch100);
BENCHMARK(BM_OtlpJsonBatch100);
BENCHMARK_MAIN();
