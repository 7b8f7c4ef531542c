#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cos_exporter/counting/exemplar_cell.hpp"
#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {

inline constexpr std::size_t kMaxLabelSlots = 8;

// The extra labels of the event series and the series they create, bounded:
// each label keeps at most max_values distinct values (later ones become
// "other"), and all labels together create at most max_series series (later
// ones go to the series whose extra labels are all "other"). Both overflows
// are counted in cos_error_exporter_label_overflow_total{label}, so totals
// stay exact. Lives as long as the store: values and series survive reloads.
// Finding an existing value or series takes no lock and allocates nothing
// (LabeledClassCells keeps the series an event needs, found together).
class LabeledSeries {
 public:
  // A value per extra label: 0 is the empty value, 1 "other".
  using ValueIds = std::array<std::uint32_t, kMaxLabelSlots>;
  static constexpr std::uint32_t kEmpty = 0, kOther = 1;
  static bool all_empty(ValueIds const& ids) noexcept {
    std::uint32_t any = 0;  // no early exit: a memcmp call costs more than the eight ors
    for (std::uint32_t id : ids) any |= id;
    return any == kEmpty;
  }
  // What max_series overflow is counted under (not a label name, so no clash).
  static constexpr char kMaxSeriesLabel[] = "limits.max_series";

  struct Cells {
    CounterCell* counter = nullptr;
    ExemplarCell* exemplar = nullptr;
    // The series asked for was not made (limits.max_series, or memory ran
    // out): these cells stand in for it, this once.
    bool overflowed = false;
    bool over_max_series = false;  // because of limits.max_series
  };

  LabeledSeries(MetricStore& store, ExemplarStore& exemplars)
      : store_(store), exemplars_(exemplars) {}

  // The labels in force (sorted names, each one's max_values). A label seen
  // before keeps its values; series made under other names stay.
  void configure(std::vector<std::string> const& names,
                 std::vector<std::uint32_t> const& max_values, std::uint64_t max_series);
  std::vector<std::string> const& names() const { return names_; }
  int index_of(std::string_view name) const;

  // The id of `value` for label `label`, `n` events counted as overflow when
  // it becomes "other". Values are cut to 128 bytes (on a character boundary).
  std::uint32_t value_id(std::size_t label, std::string_view value, std::uint64_t n) noexcept;

  // `n` events whose label `label` is "other" because its value overflowed
  // when its input or file was resolved.
  void add_overflow(std::size_t label, std::uint64_t n) noexcept {
    active_[label]->overflow->add(n);
  }

  // The series of `base` (a series of `family`) with these extra values, made
  // on first sight. One past limits.max_series is not counted here: an event
  // adds to several families, and counts once (count_max_series_overflow).
  Cells series(CounterFamily const& family, CounterCell const& base, ValueIds ids) noexcept;
  // `n` events that went to the all-"other" series because of limits.max_series.
  void count_max_series_overflow(std::uint64_t n) noexcept { max_series_overflow_->add(n); }

 private:
  struct Key {
    CounterCell const* base;
    ValueIds ids;
    bool operator==(Key const& other) const noexcept {
      // Word by word: a memcmp call costs more than these nine compares.
      bool same = base == other.base;
      for (std::size_t i = 0; i < ids.size(); ++i) same &= ids[i] == other.ids[i];
      return same;
    }
  };
  struct KeyHash {
    std::size_t operator()(Key const& key) const noexcept;
  };
  struct Label {
    std::string name;
    std::uint32_t max_values = 0;
    std::deque<std::string> values;                           // by id; 0 "", 1 "other"
    std::unordered_map<std::string_view, std::uint32_t> ids;  // views into `values`
    CounterCell* overflow = nullptr;
    // Recent values, direct-mapped by a cheap hash, in front of `ids`.
    static constexpr unsigned kRecentBits = 8;
    std::array<std::pair<std::string_view, std::uint32_t>, 1u << kRecentBits> recent{};
  };

  Cells create(CounterFamily const& family, Key const& key);

  Label& label_named(std::string const& name);

  MetricStore& store_;
  ExemplarStore& exemplars_;
  std::vector<std::string> names_;
  std::vector<Label*> active_;  // by index in names_
  std::unordered_map<std::string, std::unique_ptr<Label>> labels_;
  std::unordered_map<Key, Cells, KeyHash> series_;
  std::uint64_t max_series_ = 0;
  std::uint64_t created_ = 0;
  CounterCell* max_series_overflow_ = nullptr;
};

}  // namespace cos_exporter
