#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace cos_exporter {

// Open addressing over 64-bit codes: a power-of-two array of slots, probed
// linearly from a multiplicative hash. Lookups take no lock and allocate
// nothing, so the per-event path can use it. A Slot has a `code` member and
// an `empty()` test; a default-constructed Slot is empty.
template <typename Slot>
class CodeTable {
 public:
  // Room for `entries` codes at a load of at most one half.
  explicit CodeTable(std::size_t entries = 0) : slots_(capacity_for(entries)) {}

  // The slot that holds `code`, or the empty slot where it belongs.
  Slot& find(std::int64_t code) noexcept {
    return const_cast<Slot&>(std::as_const(*this).find(code));
  }
  Slot const& find(std::int64_t code) const noexcept {
    std::size_t const mask = slots_.size() - 1;
    for (std::size_t position = hash(code) & mask;; position = (position + 1) & mask) {
      Slot const& slot = slots_[position];
      if (slot.empty() || slot.code == code) return slot;
    }
  }

  // Grows to hold `entries` codes, keeping every slot in use.
  void reserve(std::size_t entries) {
    if (capacity_for(entries) <= slots_.size()) return;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity_for(entries), Slot{});
    for (Slot& slot : old)
      if (!slot.empty()) find(slot.code) = std::move(slot);
  }

  std::span<Slot> slots() noexcept { return slots_; }

 private:
  static std::size_t capacity_for(std::size_t entries) {
    return std::bit_ceil(std::max<std::size_t>(16, entries * 2));
  }
  static std::uint64_t hash(std::int64_t code) noexcept {
    return static_cast<std::uint64_t>(code) * 0x9E3779B97F4A7C15ull;
  }

  std::vector<Slot> slots_;
};

}  // namespace cos_exporter
