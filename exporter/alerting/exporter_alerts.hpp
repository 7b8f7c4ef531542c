#pragma once

#include <string>
#include <vector>

#include "rule_yaml.hpp"

namespace cos_exporter {

// The alerts on cos_error_exporter itself (down or absent, a failed reload,
// malformed lines, kernel drops, unknown codes over the cap, an idle file
// input), read from config/exporter_alerts.yaml as compiled in, each linking
// its section of the runbooks at `runbook_url`.
std::vector<AlertRule> exporter_alert_rules(std::string const& runbook_url);

// `runbook_url#section`, or "" when no runbook_url is set.
std::string runbook_link(std::string const& runbook_url, std::string const& section);

}  // namespace cos_exporter
