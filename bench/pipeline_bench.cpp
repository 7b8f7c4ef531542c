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

// Lines counted as malformed: 0 for every benchmark of events, so a shape
// that stopped parsing shows.
std::uint64_t malformed(Pipeline const& pipeline) {
  std::uint64_t n = 0;
  for (auto const* cell : pipeline.processor.counters().malformed) n += cell->value();
  return n;
}

void run_lines(benchmark::State& state, std::vector<std::string> const& lines,
               std::vector<std::string> exemplar_fields = {}, LabelPlan const& labels = {}) {
  Pipeline pipeline(std::move(exemplar_fields), labels);
  std::size_t i = 0;
  for (auto _ : state) {
    pipeline.processor.process_line(lines[i]);
    i = (i + 1 == lines.size()) ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["malformed"] = static_cast<double>(malformed(pipeline));
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
// Event labels bucket and region, each from its field.
LabelPlan bucket_and_region() {
  LabelPlan labels;
  labels.names = {"bucket", "region"};
  labels.max_values = {100, 100};
  labels.event_fields = {"bucket", "region"};
  return labels;
}
void BM_JsonLabelsExemplar(benchmark::State& state) {
  run_lines(state, kJsonWithLabels, {"request_id", "trace_id"}, bucket_and_region());
}
// 50 buckets sharing a prefix, across 3 codes: 150 combinations, the shape
// of a busy service (a weak hash put all of these in one cache slot).
void BM_JsonLabelsManyValues(benchmark::State& state) {
  std::vector<std::string> lines;
  for (int i = 0; i < 150; ++i)
    lines.push_back(R"({"code":)" +
                    std::string(i % 3 == 0   ? "-96"
                                : i % 3 == 1 ? "-4016"
                                             : "-5997") +
                    R"(,"bucket":"bench-)" + std::to_string(i % 50) +
                    R"(","region":"ap-beijing","request_id":"NTk0ZGY)" + std::to_string(i) +
                    R"("})");
  run_lines(state, lines, {"request_id", "trace_id"}, bucket_and_region());
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

// Lines that real clients write: the event behind a prefix, in a Python
// dict, inside a container runtime's or syslog's envelope.
std::string const kEvent =
    R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk0ZGY3"})";

void BM_JsonBehind100BytePrefix(benchmark::State& state) {
  std::string prefix =
      "2026-11-28 10:00:01,123 WARN  [main] com.qcloud.cos.COSClient:78 - uploadFile failed, "
      "message: ";
  prefix.resize(100, ' ');
  run_lines(state, {prefix + kEvent});
}
void BM_JavaSdkLine(benchmark::State& state) {
  run_lines(state,
            {"2026-11-28 10:00:01,123 WARN  [main] com.qcloud.cos.COSClient:78 - uploadFile occur "
             "a exception, request:UploadFileRequest [bucketName=photos, cosPath=/a.jpg], "
             R"(message:{"code":-1,"message":"local file /tmp/a.jpg not exist"})"});
}
void BM_PythonDict(benchmark::State& state) {
  run_lines(state, {"ERROR:root:upload failed: {u'code': -96, u'message': "
                    "u'ERROR_PROXY_AUTH_EXPIRED'}"});
}
void BM_Cri(benchmark::State& state) {
  run_lines(state, {"2026-11-28T10:00:00.123456789Z stdout F " + kEvent});
}
// One event in three CRI parts: P, P, F (items are events, not lines).
void BM_CriThreeParts(benchmark::State& state) {
  Pipeline pipeline;
  std::string const head = "2026-11-28T10:00:00.123456789Z stdout ";
  std::string const parts[] = {head + "P " + kEvent.substr(0, 20),
                               head + "P " + kEvent.substr(20, 30),
                               head + "F " + kEvent.substr(50)};
  for (auto _ : state)
    for (auto const& part : parts) pipeline.processor.process_line(part, "pod.log");
  state.SetItemsProcessed(state.iterations());
  state.counters["malformed"] = static_cast<double>(malformed(pipeline));
}
void BM_Docker(benchmark::State& state) {
  run_lines(
      state,
      {R"({"log":"{\"code\":-96,\"message\":\"ERROR_PROXY_AUTH_EXPIRED\",\"request_id\":\"NTk0ZGY3\"}\n","stream":"stdout","time":"2026-11-28T10:00:00.123456789Z"})"});
}
void BM_Syslog3164(benchmark::State& state) {
  run_lines(state, {"<131>Nov 28 10:00:00 host app[123]: " + kEvent});
}
void BM_Syslog5424(benchmark::State& state) {
  run_lines(state, {"<13>1 2026-11-29T01:37:07.983890+00:00 vm cosapp - - [timeQuality "
                    "tzKnown=\"1\" isSynced=\"0\"] " +
                    kEvent});
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
BENCHMARK(BM_JsonLabelsManyValues);
BENCHMARK(BM_JsonBehind100BytePrefix);
BENCHMARK(BM_JavaSdkLine);
BENCHMARK(BM_PythonDict);
BENCHMARK(BM_Cri);
BENCHMARK(BM_CriThreeParts);
BENCHMARK(BM_Docker);
BENCHMARK(BM_Syslog3164);
BENCHMARK(BM_Syslog5424);
BENCHMARK(BM_Logfmt);
BENCHMARK(BM_BareInteger);
BENCHMARK(BM_SharedCode);
BENCHMARK(BM_UnknownCode);
BENCHMARK(BM_Malformed);
BENCHMARK(BM_CountOnly);
BENCHMARK(BM_JsonDatagram32);

BENCHMARK_MAIN();
