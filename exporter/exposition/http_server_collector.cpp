#include "cos_exporter/exposition/http_server_collector.hpp"

#include <prometheus/metric_family.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

prometheus::MetricFamily by_reason(
    char const* name, char const* help,
    std::initializer_list<std::pair<char const*, std::uint64_t>> reasons) {
  prometheus::MetricFamily family{name, help, prometheus::MetricType::Counter, {}};
  for (auto const& [reason, count] : reasons) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"reason", reason});
    metric.counter.value = static_cast<double>(count);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> HttpServerCollector::Collect() const {
  HttpServerStats stats = stats_();
  std::vector<prometheus::MetricFamily> families;
  families.push_back(by_reason(metric::kHttpShed, metric::kHttpShedFamily.help,
                               {{"idle_at_limit", stats.shed_idle_at_limit},
                                {"limit_all_busy", stats.refused_at_limit},
                                {"request_head_timeout", stats.request_head_timeouts}}));
  families.push_back(by_reason(metric::kHttpRefused, metric::kHttpRefusedFamily.help,
                               {{"auth_busy", stats.refused_auth_busy},
                                {"transfer_encoding", stats.refused_transfer_encoding},
                                {"unsent_bytes", stats.refused_unsent_bytes}}));
  prometheus::ClientMetric unsent;
  unsent.gauge.value = static_cast<double>(stats.unsent_bytes);
  families.push_back(prometheus::MetricFamily{metric::kHttpUnsent,
                                              metric::kHttpUnsentFamily.help,
                                              prometheus::MetricType::Gauge,
                                              {unsent}});
  return families;
}

}  // namespace cos_exporter
