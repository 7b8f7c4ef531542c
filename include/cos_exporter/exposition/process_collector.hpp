#pragma once

#include <prometheus/collectable.h>

namespace cos_exporter {

// The process_* metrics every Prometheus client library exports, read from
// /proc/self at scrape time.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace cos_exporter
