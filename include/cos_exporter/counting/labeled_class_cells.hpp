#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cos_exporter/classification/group_matcher.hpp"
#include "cos_exporter/counting/labeled_series.hpp"

namespace cos_exporter {

// Every labeled series one event of a class adds to (its outcome's events
// series, its errors series and exemplar, each of its groups' series), found
// together by one lookup of the class and its extra label values instead of a
// lookup per series. The combinations it keeps are bounded by the series
// LabeledSeries may create; one that overflowed limits.max_series is looked up
// afresh on every event, so that each is counted as overflow.
class LabeledClassCells {
 public:
  struct Cells {
    CounterCell* events = nullptr;
    CounterCell* errors = nullptr;  // null for a success class
    ExemplarCell* exemplar = nullptr;
    std::vector<CounterCell*> groups;
  };
  // What the class counts without extra labels.
  struct Base {
    CounterCell* events;
    CounterCell* errors;  // null for a success class
    GroupMask groups;
  };
  struct Families {
    CounterFamily const* events;
    CounterFamily const* errors;
    CounterFamily const* groups;
    std::array<CounterCell*, kMaxGroups> const* group_cells;  // by group index
  };

  LabeledClassCells(LabeledSeries& labeled, Families families);

  // No allocation and one hash for a combination seen before.
  Cells const& find(Base const& base, LabeledSeries::ValueIds const& ids,
                    std::uint64_t n) noexcept {
    Key key{base.errors != nullptr ? base.errors : base.events, ids};
    Kept const*& cached = cache_[key.hash() >> (64 - kCacheBits)];
    if (cached != nullptr && cached->key == key) return cached->cells;
    return find_slow(base, key, cached, n);
  }

 private:
  struct Key {
    CounterCell const* base = nullptr;
    LabeledSeries::ValueIds ids{};
    bool operator==(Key const& other) const noexcept {
      bool same = base == other.base;
      for (std::size_t i = 0; i < ids.size(); ++i) same &= ids[i] == other.ids[i];
      return same;
    }
    std::size_t hash() const noexcept;
  };
  struct KeyHash {
    std::size_t operator()(Key const& key) const noexcept { return key.hash(); }
  };
  struct Kept {
    Key key;
    Cells cells;
  };
  // Direct-mapped, a pointer an entry: room for thousands of combinations
  // in 32 KiB.
  static constexpr unsigned kCacheBits = 12;

  Cells const& find_slow(Base const& base, Key const& key, Kept const*& cached,
                         std::uint64_t n) noexcept;
  // Fills `cells`; false when a series overflowed limits.max_series (or
  // memory ran out) and so must not be kept.
  bool resolve(Base const& base, LabeledSeries::ValueIds const& ids, std::uint64_t n,
               Cells& cells) noexcept;

  LabeledSeries& labeled_;
  Families families_;
  std::array<Kept const*, std::size_t{1} << kCacheBits> cache_{};
  std::unordered_map<Key, std::unique_ptr<Kept>, KeyHash> kept_;
  Cells scratch_;  // an overflowed combination's cells, for one event
};

}  // namespace cos_exporter
