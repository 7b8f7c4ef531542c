#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/group_matcher.hpp"
#include "cos_exporter/common/code_table.hpp"
#include "cos_exporter/counting/exemplar_cell.hpp"
#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {

// Codes the catalog does not hold. The first `limit` distinct ones get their
// own cos_errors_total series (created once, on first sight); the rest are
// counted under code="other" and in the overflow counter. A code whose first
// event's message looks like an identifier (the name a service gave it, like
// ERROR_CMD_BUCKET_NOTEXIST) is named by it; otherwise it is UNKNOWN. Lives as
// long as the store, so its series survive reloads.
class UnknownCodes {
 public:
  struct Slot {
    std::int64_t code = 0;
    CounterCell* errors = nullptr;  // null: empty slot
    ExemplarCell* exemplar = nullptr;
    GroupMask groups = 0;
    std::string name;
    bool empty() const noexcept { return errors == nullptr; }
  };

  UnknownCodes(MetricStore& store, ExemplarStore& exemplars, std::uint32_t limit);

  // The slot of `code`, creating it when there is room; the shared `other`
  // slot when there is none. Allocates only the first time a code is seen.
  // `groups_of_new(code, name)` gives a new slot its groups.
  template <typename F>
  Slot const& resolve(std::int64_t code, std::string_view message, F&& groups_of_new,
                      bool& overflowed) {
    overflowed = false;
    Slot* slot = &slots_.find(code);
    if (slot->errors != nullptr) return *slot;
    if (used_ >= limit_) {
      overflowed = true;
      return other_;
    }
    std::string_view name = name_for(message);
    create(*slot, code, name, groups_of_new(code, name));
    return *slot;
  }
  // After a reload: groups are recomputed and the limit may change; series
  // already created are kept either way.
  template <typename F>
  void regroup(F&& groups_of_code, GroupMask other_groups) {
    for (auto& slot : slots_.slots())
      if (slot.errors != nullptr) slot.groups = groups_of_code(slot.code, slot.name);
    other_.groups = other_groups;
  }
  void set_limit(std::uint32_t limit);
  std::uint32_t size() const { return used_; }

  // The name an unknown code gets from its first message: the message when it
  // is 1 to 64 letters, digits and underscores, otherwise UNKNOWN.
  static std::string_view name_for(std::string_view message) noexcept;

 private:
  void create(Slot& slot, std::int64_t code, std::string_view name, GroupMask groups);

  CounterFamily& errors_;
  ExemplarStore& exemplars_;
  CodeTable<Slot> slots_;  // room for `limit` codes
  std::uint32_t limit_;
  std::uint32_t used_ = 0;
  Slot other_;
};

}  // namespace cos_exporter
