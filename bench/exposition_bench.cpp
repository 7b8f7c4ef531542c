// What the UTF-8 check of label values adds to a scrape: /metrics of 3,000
// followed files (five series each), rendered whole, against the check alone
// over the same collected families.
// Run: build/bench/exposition_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <prometheus/text_serializer.h>

#include <string>

#include "cos_exporter/common/utf8.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/exposition/metrics_exposition.hpp"

using namespace cos_exporter;

namespace {

constexpr int kFiles = 3000;

MetricStore const& store() {
  static MetricStore const filled = [] {
    MetricStore s;
    for (int i = 0; i < kFiles; ++i) {
      std::vector<std::string> labels{"/var/log/cos/client-" + std::to_string(i) + ".log"};
      s.counter(metric::kFileLinesFamily).series(labels).add(i);
      s.counter(metric::kFileRotationsFamily).series(labels);
      s.counter(metric::kFileTruncationsFamily).series(labels);
      s.gauge(metric::kFileOffsetFamily).series(labels).set(i);
      s.gauge(metric::kFileSizeFamily).series(labels).set(i);
    }
    return s;
  }();
  return filled;
}

void BM_RenderExposition(benchmark::State& state) {
  std::size_t bytes = 0;
  for (auto _ : state) bytes = render_exposition({&store()}).size();
  state.counters["page_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderExposition)->Unit(benchmark::kMicrosecond);

void BM_LabelUtf8Check(benchmark::State& state) {
  auto families = store().Collect();
  for (auto _ : state) {
    std::size_t invalid = 0;
    for (auto const& family : families)
      for (auto const& metric : family.metric)
        for (auto const& label : metric.label) invalid += !is_valid_utf8(label.value);
    benchmark::DoNotOptimize(invalid);
  }
}
BENCHMARK(BM_LabelUtf8Check)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
