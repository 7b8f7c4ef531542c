#include "cos_exporter/exposition/code_info_collector.hpp"

#include <prometheus/metric_family.h>

#include <algorithm>

#include "cos_exporter/build_info.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

std::string group_label(Classifier const& classifier, GroupMask mask) {
  std::vector<std::string> names;
  auto groups = classifier.group_matcher().groups();
  for_each_group(mask, [&](unsigned i) { names.push_back(groups[i].name); });
  std::sort(names.begin(), names.end());
  std::string joined;
  for (auto const& name : names) joined += (joined.empty() ? "" : ",") + name;
  return joined;
}

std::vector<prometheus::MetricFamily> CodeInfoCollector::Collect() const {
  Classifier const& classifier = hub_.classifier();
  prometheus::MetricFamily info{
      metric::kCodeInfo, metric::kCodeInfoFamily.help, prometheus::MetricType::Gauge, {}};
  for (auto const& code_class : classifier.classes()) {
    if (code_class.kind != Kind::error) continue;
    prometheus::ClientMetric series;
    series.label = {{"category", std::string(to_string(code_class.category))},
                    {"code", code_class.code_label},
                    {"groups", group_label(classifier, code_class.groups)},
                    {"name", code_class.name}};
    series.gauge.value = 1;
    info.metric.push_back(std::move(series));
  }
  prometheus::MetricFamily build{
      metric::kBuildInfo, metric::kBuildInfoFamily.help, prometheus::MetricType::Gauge, {}};
  prometheus::ClientMetric build_series;
  build_series.label = {{"revision", std::string(build_revision())},
                        {"version", std::string(build_version())}};
  build_series.gauge.value = 1;
  build.metric.push_back(std::move(build_series));
  return {std::move(info), std::move(build)};
}

}  // namespace cos_exporter
