#include "cos_exporter/classification/group_warnings.hpp"

#include <algorithm>

#include "cos_exporter/classification/group_matcher.hpp"

namespace cos_exporter {

std::vector<std::string> group_warnings(std::vector<GroupConfig> const& groups,
                                        Catalog const& catalog) {
  std::vector<std::string> warnings;
  for (GroupConfig const& group : groups) {
    GroupMatcher const matcher({group});
    bool const takes_unknown = std::find(group.categories.begin(), group.categories.end(),
                                         Category::unknown) != group.categories.end();
    bool matched = false;
    for (CatalogEntry const& entry : catalog.entries()) {
      matched = matched || (entry.kind == Kind::error &&
                            matcher.match(entry.code, entry.name, entry.category) != 0);
    }
    if (!matched && !takes_unknown) {
      warnings.push_back("group \"" + group.name +
                         "\" matches no error of the catalog: its counter stays at 0 and its "
                         "alert can never fire");
    }
    for (std::string const& glob : group.names) {
      GroupConfig only_glob;
      only_glob.name = group.name;
      only_glob.names = {glob};
      GroupMatcher const glob_matcher({only_glob});
      bool const any = std::any_of(
          catalog.entries().begin(), catalog.entries().end(), [&](CatalogEntry const& entry) {
            return entry.kind == Kind::error &&
                   glob_matcher.match_any_code(entry.name, entry.category) != 0;
          });
      if (!any) {
        warnings.push_back("group \"" + group.name + "\": name glob \"" + glob +
                           "\" matches no error name of the catalog");
      }
    }
  }
  return warnings;
}

}  // namespace cos_exporter
