#pragma once

#include <atomic>
#include <cstdint>

namespace cos_exporter {

// A counter value written by the daemon's one event-loop thread and read by
// the scrape. Single writer: a relaxed load and store, no locked instruction.
class CounterCell {
 public:
  void add(std::uint64_t n) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }
  void reset() noexcept { value_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A gauge value with the same single-writer rule.
class GaugeCell {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }
  void reset() noexcept { set(0); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace cos_exporter
