#pragma once

#include <string>
#include <vector>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/classification/group_config.hpp"

namespace cos_exporter {

// What in the groups of a config is valid yet most likely a mistake, one line
// each, in config order: a group that no error of the catalog belongs to, and
// a name glob that matches no error name of the catalog (a typo such as
// ERROR_PROXY_AUHT_*). A group that takes the `unknown` category is not
// reported as empty: codes the catalog does not know land in it.
std::vector<std::string> group_warnings(std::vector<GroupConfig> const& groups,
                                        Catalog const& catalog);

}  // namespace cos_exporter
