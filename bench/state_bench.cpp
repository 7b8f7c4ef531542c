// What keeping the state across restarts costs, with 10,000 labelled
// cos_errors_total series (category, code, name and two extra labels):
// - BM_Persist: one snapshot and one write of the state file (one counter
//   changed since the last, so every iteration writes: fsync of the file and
//   of its directory), as before every scrape;
// - BM_PersistUnchanged: the snapshot alone, when nothing changed (no write);
// - BM_Restore: reading the file at start and putting the counters back;
// - BM_Scrape / BM_ScrapeWithPersist: rendering /metrics as today, and
//   persisting then rendering as the daemon now does.
// Run: build/bench/state_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true   (STATE_BENCH_DIR: where to write; default /tmp)
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/exposition/metrics_exposition.hpp"
#include "daemon/state_keeper.hpp"

using namespace cos_exporter;

namespace {

constexpr int kSeries = 10000;

std::string state_path() {
  char const* dir = std::getenv("STATE_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/cos_state_bench.json";
}

CounterCell* fill(MetricStore& s) {
  auto& labeled = s.counter_with_labels(metric::kErrors, metric::kErrorsFamily.help,
                                        {"category", "code", "name", "tenant", "bucket"});
  CounterCell* first = nullptr;
  for (int i = 0; i < kSeries; ++i) {
    auto& cell = labeled.series({"proxy", std::to_string(-96 - i % 50), "ERROR_PROXY_AUTH_EXPIRED",
                                 "tenant-" + std::to_string(i % 100),
                                 "bucket-" + std::to_string(i / 100) + "-1250000000"});
    cell.add(1000 + i);
    if (first == nullptr) first = &cell;
  }
  return first;
}

struct Fixture {
  boost::asio::io_context io;
  MetricStore store;
  CounterCell* cell = fill(store);
  StateKeeper keeper{io, store};
  Fixture() {
    std::filesystem::remove(state_path());
    keeper.open(state_path());
  }
};

void BM_Persist(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    f.cell->add(1);
    benchmark::DoNotOptimize(f.keeper.persist());
  }
  state.counters["file_bytes"] = static_cast<double>(std::filesystem::file_size(state_path()));
  state.counters["bytes_per_series"] =
      static_cast<double>(std::filesystem::file_size(state_path())) / kSeries;
}
BENCHMARK(BM_Persist)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_PersistUnchanged(benchmark::State& state) {
  Fixture f;
  f.keeper.persist();
  for (auto _ : state) benchmark::DoNotOptimize(f.keeper.persist());
}
BENCHMARK(BM_PersistUnchanged)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_Restore(benchmark::State& state) {
  {
    Fixture f;
    f.keeper.persist();
  }
  for (auto _ : state) {
    boost::asio::io_context io;
    MetricStore store;
    StateKeeper keeper(io, store);
    keeper.open(state_path());
    // The series come back as the counting makes them again.
    auto& labeled = store.counter_with_labels(metric::kErrors, metric::kErrorsFamily.help,
                                              {"category", "code", "name", "tenant", "bucket"});
    benchmark::DoNotOptimize(labeled.restored().size());
  }
}
BENCHMARK(BM_Restore)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_Scrape(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    f.cell->add(1);
    benchmark::DoNotOptimize(render_exposition({&f.store}).size());
  }
}
BENCHMARK(BM_Scrape)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_ScrapeWithPersist(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    f.cell->add(1);
    f.keeper.persist();
    benchmark::DoNotOptimize(render_exposition({&f.keeper.counters_view()}).size());
  }
}
BENCHMARK(BM_ScrapeWithPersist)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
