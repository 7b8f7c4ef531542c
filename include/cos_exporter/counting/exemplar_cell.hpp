#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cos_exporter/counting/counter_cell.hpp"
#include "cos_exporter/parsing/event_fields.hpp"

namespace cos_exporter {

class MetricStore;

// Why an event's exemplar value was left out: the `reason` label of
// cos_error_exporter_exemplar_values_dropped_total.
enum class ExemplarDrop : std::uint8_t {
  too_long,      // the exemplar's names and values would pass 128 characters
  invalid_utf8,  // not UTF-8
  brace,         // holds a `}`, which strict OpenMetrics parsers refuse in an exemplar
};
inline constexpr std::size_t kExemplarDropCount = 3;
inline constexpr std::array<char const*, kExemplarDropCount> kExemplarDropLabels = {
    "too_long", "invalid_utf8", "brace"};

// The counter of each reason, resolved once.
struct ExemplarDrops {
  std::array<CounterCell*, kExemplarDropCount> cells{};
  void add(ExemplarDrop reason) noexcept {
    if (CounterCell* cell = cells[static_cast<std::size_t>(reason)]) cell->add(1);
  }
};

// The exemplar of one counter series: the labels (field names and values) of
// the last event that had any, the amount it added and when. Recording copies
// into fixed storage: no allocation, no lock. Written and read on the
// daemon's event-loop thread only.
class ExemplarCell {
 public:
  static constexpr std::size_t kMaxLabels = 4;
  // OpenMetrics' limit on an exemplar's label names and values together.
  static constexpr std::size_t kMaxChars = 128;

  // Takes `values[i]` under `names[i]` for each value that is not empty, is
  // valid UTF-8, has no `}` and still fits in kMaxChars, stamped with
  // exemplar_clock_ms(); keeps the previous exemplar when none does. Each
  // value left out counts once in `drops` (when given).
  void record(std::vector<std::string> const& names, EventFields const& values, std::uint64_t n,
              ExemplarDrops* drops = nullptr) noexcept;

  bool empty() const noexcept { return labels_ == 0; }
  std::uint64_t value() const noexcept { return value_; }
  std::int64_t timestamp_ms() const noexcept { return timestamp_ms_; }
  // f(name, value) for each label, in field order.
  template <typename F>
  void for_each_label(F&& f) const {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < labels_; ++i) {
      std::string_view name(text_.data() + offset, lengths_[2 * i]);
      offset += lengths_[2 * i];
      std::string_view value(text_.data() + offset, lengths_[2 * i + 1]);
      offset += lengths_[2 * i + 1];
      f(name, value);
    }
  }

 private:
  std::array<char, kMaxChars * 4> text_;  // names and values back to back; <= 4 bytes a character
  std::array<std::uint16_t, 2 * kMaxLabels> lengths_{};
  std::size_t labels_ = 0;
  std::uint64_t value_ = 0;
  std::int64_t timestamp_ms_ = 0;
};

// The exemplar cell of each counter series that has one, created when the
// series is resolved (never per event) and kept as long as the series.
class ExemplarStore {
 public:
  ExemplarStore() = default;
  // Counts the values left out in `store` (every reason's series at 0 from now).
  explicit ExemplarStore(MetricStore& store);

  ExemplarCell& of(CounterCell const& series);
  ExemplarCell const* find(CounterCell const& series) const;
  ExemplarDrops* drops() noexcept { return &drops_; }

 private:
  ExemplarDrops drops_;
  std::unordered_map<CounterCell const*, std::unique_ptr<ExemplarCell>> cells_;
};

// Wall-clock milliseconds, cheap enough for every event (a coarse clock: a few
// milliseconds of resolution is plenty for an exemplar).
std::int64_t exemplar_clock_ms() noexcept;

}  // namespace cos_exporter
