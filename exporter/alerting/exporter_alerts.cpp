#include "exporter_alerts.hpp"

#include <yaml-cpp/yaml.h>

#include "cos_exporter/config/alert_settings.hpp"
#include "cos_exporter/embedded.hpp"

namespace cos_exporter {

std::string runbook_link(std::string const& runbook_url, std::string const& section) {
  if (runbook_url.empty()) return "";
  return runbook_url + "#" + section;
}

std::vector<AlertRule> exporter_alert_rules(std::string const& runbook_url) {
  // A data file of the build: a mistake in it fails the unit tests, not a user.
  YAML::Node const list = YAML::Load(std::string(embedded::builtin_exporter_alerts_yaml()));
  std::vector<AlertRule> rules;
  for (YAML::Node const& item : list) {
    AlertRule rule;
    rule.name = item["alert"].as<std::string>();
    rule.expr = item["expr"].as<std::string>();
    if (auto hold = item["for"])
      rule.for_ms = *parse_prometheus_duration_ms(hold.as<std::string>());
    rule.labels.emplace_back("severity", item["severity"].as<std::string>());
    rule.summary = item["summary"].as<std::string>();
    rule.description = item["description"].as<std::string>();
    rule.runbook_url = runbook_link(runbook_url, item["runbook"].as<std::string>());
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace cos_exporter
