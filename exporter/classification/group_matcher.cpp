#include "cos_exporter/classification/group_matcher.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <string>

namespace cos_exporter {

GroupMatcher::GroupMatcher(std::vector<GroupConfig> groups) : groups_(std::move(groups)) {}

GroupMask GroupMatcher::match(std::int64_t code, std::string_view name, Category category) const {
  return match_impl(&code, name, category);
}

GroupMask GroupMatcher::match_any_code(std::string_view name, Category category) const {
  return match_impl(nullptr, name, category);
}

GroupMask GroupMatcher::match_impl(std::int64_t const* code, std::string_view name,
                                   Category category) const {
  GroupMask mask = 0;
  std::string name_string(name);  // fnmatch wants a C string
  for (std::size_t i = 0; i < groups_.size() && i < kMaxGroups; ++i) {
    auto const& group = groups_[i];
    bool in = (code != nullptr &&
               std::find(group.codes.begin(), group.codes.end(), *code) != group.codes.end()) ||
              std::find(group.categories.begin(), group.categories.end(), category) !=
                  group.categories.end() ||
              std::any_of(group.names.begin(), group.names.end(), [&](std::string const& glob) {
                return ::fnmatch(glob.c_str(), name_string.c_str(), FNM_NOESCAPE) == 0;
              });
    if (in) mask |= GroupMask{1} << i;
  }
  return mask;
}

}  // namespace cos_exporter
