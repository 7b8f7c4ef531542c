#include "cos_exporter/counting/labeled_class_cells.hpp"

#include <cstring>

namespace cos_exporter {

std::size_t LabeledClassCells::Key::hash() const noexcept {
  // Four independent multiplies of the ids taken two at a time, rather than a
  // chain of eight: the chain's latency was most of a lookup. The cache takes
  // the high bits, which every bit of the factors moves.
  std::uint64_t words[4];
  std::memcpy(words, ids.data(), sizeof words);
  std::uint64_t h = reinterpret_cast<std::uintptr_t>(base) * 0x9E3779B97F4A7C15ull;
  h ^= (words[0] * 0xC2B2AE3D27D4EB4Full) ^ (words[1] * 0x165667B19E3779F9ull) ^
       (words[2] * 0xD6E8FEB86659FD93ull) ^ (words[3] * 0xFF51AFD7ED558CCDull);
  return static_cast<std::size_t>(h);
}

LabeledClassCells::LabeledClassCells(LabeledSeries& labeled, Families families)
    : labeled_(labeled), families_(families) {
  scratch_.groups.reserve(kMaxGroups);
}

bool LabeledClassCells::resolve(Base const& base, LabeledSeries::ValueIds const& ids,
                                std::uint64_t n, Cells& cells) noexcept {
  bool keep = true, over_max_series = false;
  auto take = [&](CounterFamily const& family, CounterCell& cell) {
    LabeledSeries::Cells found = labeled_.series(family, cell, ids);
    keep &= !found.overflowed;
    over_max_series |= found.over_max_series;
    return found;
  };
  cells.events = take(*families_.events, *base.events).counter;
  cells.errors = nullptr;
  cells.exemplar = nullptr;
  cells.groups.clear();
  if (base.errors != nullptr) {
    LabeledSeries::Cells errors = take(*families_.errors, *base.errors);
    cells.errors = errors.counter;
    cells.exemplar = errors.exemplar;
    for_each_group(base.groups, [&](unsigned i) {
      cells.groups.push_back(take(*families_.groups, *(*families_.group_cells)[i]).counter);
    });
  }
  // Once per event, however many of its series (events, errors, groups) overflowed.
  if (over_max_series) labeled_.count_max_series_overflow(n);
  return keep;
}

LabeledClassCells::Cells const& LabeledClassCells::find_slow(Base const& base, Key const& key,
                                                             Kept const*& cached,
                                                             std::uint64_t n) noexcept {
  if (auto it = kept_.find(key); it != kept_.end()) {
    cached = it->second.get();
    return cached->cells;
  }
  try {
    auto kept = std::make_unique<Kept>();
    kept->key = key;
    kept->cells.groups.reserve(static_cast<std::size_t>(__builtin_popcountll(base.groups)));
    if (resolve(base, key.ids, n, kept->cells)) {
      cached = kept_.emplace(key, std::move(kept)).first->second.get();
      return cached->cells;
    }
    // Counted as overflow already: the next event of it must be too.
    Cells const& cells = kept->cells;
    scratch_.events = cells.events;
    scratch_.errors = cells.errors;
    scratch_.exemplar = cells.exemplar;
    scratch_.groups.assign(cells.groups.begin(), cells.groups.end());  // within its room
    return scratch_;
  } catch (...) {
    // Out of memory: scratch_ holds room for every group.
    resolve(base, key.ids, n, scratch_);
    return scratch_;
  }
}

}  // namespace cos_exporter
