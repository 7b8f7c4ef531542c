// ns per event for the hot path: parse one line, classify its code, count it.
// Run: build/bench/pipeline_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"

using namespace cos_exporter;

namespace {

// The shipped config: 201 catalog entries, its alert groups.
struct Pipeline {
  explicit Pipeline(std::vector<std::string> exemplar_fields = {}, LabelPlan const& labels = {})
      : hub{make_classifier(config), config.limits.max_unknown_codes, std::move(exemplar_fields),
            labels} {}

  Config config = builtin_config();
  CountingHub hub;
  LineProcessor processor{LineParser(EventFormat::auto_detect, "", config.limits.max_line_bytes),
                          InputCounters(hub.store(), "bench"), hub};
};

void run_lines(benchmark::State& state, std::vector<std::string> const& lines,
               std::vector<std::string> exemplar_fields = {}, LabelPlan const& labels = {}) {
  Pipeline pipeline(std::move(exemplar_fields), labels);
  std::size_t i = 0;
  for (auto _ : state) {
    pipeline.processor.process_line(lines[i]);
    i = (i + 1 == lines.size()) ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Json(benchmark::State& state) {
  run_lines(state, {R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk0ZGY3"})",
                    R"({"code":-4016,"message":"ErrNotSameSHA"})",
                    R"({"code":-5997,"message":"ERROR_CGI_NETWORK","count":2})"});
}
// JSON lines with request_id and trace_id: read and kept as exemplars, or
// ignored as the exporter did before it had exemplars (the same-run baseline).
std::vector<std::string> const kJsonWithIds{
    R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk0ZGY3"})",
    R"({"code":-4016,"message":"ErrNotSameSHA","request_id":"NTk0ZGY4","trace_id":"4bf92f"})",
    R"({"code":-5997,"message":"ERROR_CGI_NETWORK","count":2,"request_id":"NTk0ZGY5"})"};
void BM_JsonIdsIgnored(benchmark::State& state) {
  run_lines(state, kJsonWithIds);
}
void BM_JsonExemplar(benchmark::State& state) {
  run_lines(state, kJsonWithIds, {"request_id", "trace_id"});
}
// The same lines with two event labels (bucket, region) besides the exemplar.
std::vector<std::string> const kJsonWithLabels{
    R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","bucket":"photos","region":"ap-guangzhou","request_id":"NTk0ZGY3"})",
    R"({"code":-4016,"message":"ErrNotSameSHA","bucket":"docs","region":"ap-beijing","request_id":"NTk0ZGY4","trace_id":"4bf92f"})",
    R"({"code":-5997,"message":"ERROR_CGI_NETWORK","count":2,"bucket":"photos","region":"ap-beijing","request_id":"NTk0ZGY5"})"};
void BM_JsonLabelsIgnored(benchmark::State& state) {
  run_lines(state, kJsonWithLabels);
}
void BM_JsonLabelsExemplar(benchmark::State& state) {
  LabelPlan labels;
  labels.names = {"bucket", "region"};
  labels.max_values = {100, 100};
  labels.event_fields = {"bucket", "region"};
  run_lines(state, kJsonWithLabels, {"request_id", "trace_id"}, labels);
}
void BM_Logfmt(benchmark::State& state) {
  run_lines(state, {"code=-96 message=ERROR_PROXY_AUTH_EXPIRED",
                    "ts=2026-11-28T18:00:00Z level=error code=-4016 message=ErrNotSameSHA",
                    "code=-5997 count=2"});
}
void BM_BareInteger(benchmark::State& state) {
  run_lines(state, {"-96", "-4016", "503"});
}
void BM_SharedCode(benchmark::State& state) {
  run_lines(state,
            {R"({"code":-61,"message":"ERROR_PROXY_INVALID_CMD_REQ"})",
             R"({"code":-61,"message":"ERROR_PROXY_SIGN_BUCKET_NOTMATCH"})", R"({"code":-61})"});
}
void BM_UnknownCode(benchmark::State& state) {
  run_lines(state, {R"({"code":70001})", R"({"code":70002})", R"({"code":70003})"});
}
void BM_Malformed(benchmark::State& state) {
  run_lines(state, {R"({"code":)", "hello world", "\xff\xfe"});
}

// The classify+count stage alone, for comparison with the parsers above.
void BM_CountOnly(benchmark::State& state) {
  Pipeline pipeline;
  std::int64_t const codes[] = {-96, -4016, -5997, 503};
  std::size_t i = 0;
  for (auto _ : state) {
    pipeline.hub.counter().count(codes[i & 3], "", 1);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

// A whole datagram of 32 JSON lines, as the UDP input hands it over.
void BM_JsonDatagram32(benchmark::State& state) {
  Pipeline pipeline;
  std::string datagram;
  for (int i = 0; i < 32; ++i)
    datagram += R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk0ZGY3"})"
                "\n";
  for (auto _ : state) pipeline.processor.process_lines(datagram);
  state.SetItemsProcessed(state.iterations() * 32);
}

}  // namespace

BENCHMARK(BM_Json);
BENCHMARK(BM_JsonIdsIgnored);
BENCHMARK(BM_JsonExemplar);
BENCHMARK(BM_JsonLabelsIgnored);
BENCHMARK(BM_JsonLabelsExemplar);
BENCHMARK(BM_Logfmt);
BENCHMARK(BM_BareInteger);
BENCHMARK(BM_SharedCode);
BENCHMARK(BM_UnknownCode);
BENCHMARK(BM_Malformed);
BENCHMARK(BM_CountOnly);
BENCHMARK(BM_JsonDatagram32);

BENCHMARK_MAIN();
