#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/category.hpp"
#include "cos_exporter/classification/group_config.hpp"

namespace cos_exporter {

// Bit i set: the event belongs to group i (in config order). At most kMaxGroups.
using GroupMask = std::uint64_t;

// Decides which alert groups a code belongs to: by code, by a glob over its
// name, or by its category. Used when classes are built, never per event.
class GroupMatcher {
 public:
  GroupMatcher() = default;
  explicit GroupMatcher(std::vector<GroupConfig> groups);

  GroupMask match(std::int64_t code, std::string_view name, Category category) const;
  // Groups that take a name and category whatever the code (the `other` series).
  GroupMask match_any_code(std::string_view name, Category category) const;
  std::span<GroupConfig const> groups() const { return groups_; }

 private:
  GroupMask match_impl(std::int64_t const* code, std::string_view name, Category category) const;

  std::vector<GroupConfig> groups_;
};

// Calls f(index) for every group bit set in mask, lowest first.
template <typename F>
inline void for_each_group(GroupMask mask, F&& f) {
  while (mask != 0) {
    f(static_cast<unsigned>(__builtin_ctzll(mask)));
    mask &= mask - 1;
  }
}

}  // namespace cos_exporter
