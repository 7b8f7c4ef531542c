// What tailing adds per line: FileReader's ::read into its buffer and the line
// split, alone (a sink that only counts) and followed by the json parser,
// classifier and counters, over a file of JSON events in the page cache.
// Run: build/bench/file_reader_bench --benchmark_repetitions=3
// --benchmark_report_aggregates_only=true The whole exporter against mtail on a large file:
// bench/file_tail_bench.sh.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "inputs/followed_path.hpp"

using namespace cos_exporter;

namespace {

constexpr int kLines = 200000;

// A file of kLines JSON events (about 110 bytes each), made once.
std::string const& events_file() {
  static std::string const path = [] {
    std::string p = "/tmp/cos_file_reader_bench." + std::to_string(::getpid()) + ".log";
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    char const* messages[] = {"ERROR_PROXY_AUTH_EXPIRED", "ErrNotSameSHA", "ERROR_PROXY_NETWORK"};
    int const codes[] = {-96, -4016, -66};
    for (int i = 0; i < kLines; ++i)
      out << "{\"code\":" << codes[i % 3] << ",\"message\":\"" << messages[i % 3]
          << "\",\"request_id\":\"NTk5ZDM2" << i << "\",\"bucket\":\"bench\"}\n";
    std::atexit([] { std::remove(path.c_str()); });
    return p;
  }();
  return path;
}

struct CountingSink final : LineSink {
  void line(std::string_view l) noexcept override { bytes += l.size(); }
  void too_long() noexcept override {}
  std::size_t bytes = 0;
};

struct ProcessorSink final : LineSink {
  explicit ProcessorSink(LineProcessor& p) : processor(p) {}
  void line(std::string_view l) noexcept override { processor.process_line(l); }
  void too_long() noexcept override { processor.count_too_long(); }
  LineProcessor& processor;
};

// Reads the whole file with a fresh reader per iteration, in the input's
// budgeted steps of 1 MiB.
void read_file(benchmark::State& state, LineSink& sink) {
  std::string const& path = events_file();
  std::uint64_t lines = 0;
  for (auto _ : state) {
    auto reader = FileReader::open(path, 16384);
    FileReader::ReadResult result;
    do {
      result = reader->read(sink, 1 << 20);
      lines += result.lines;
    } while (result.status == FileReader::Status::more);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(lines));
}

void BM_ReadAndSplit(benchmark::State& state) {
  CountingSink sink;
  read_file(state, sink);
  benchmark::DoNotOptimize(sink.bytes);
}

void BM_ReadSplitParseCount(benchmark::State& state) {
  Config config = builtin_config();
  CountingHub hub(make_classifier(config), config.limits.max_unknown_codes);
  LineProcessor processor(LineParser(EventFormat::json, "", config.limits.max_line_bytes),
                          InputCounters(hub.store(), "bench"), hub);
  ProcessorSink sink(processor);
  read_file(state, sink);
}

}  // namespace

BENCHMARK(BM_ReadAndSplit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadSplitParseCount)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
