#pragma once

#include <prometheus/collectable.h>

#include <functional>

#include "cos_exporter/exposition/http_server.hpp"

namespace cos_exporter {

// The cos_error_exporter_http_* metrics: what the HTTP server shed or
// refused, read from its stats at scrape time.
class HttpServerCollector : public prometheus::Collectable {
 public:
  explicit HttpServerCollector(std::function<HttpServerStats()> stats) : stats_(std::move(stats)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<HttpServerStats()> stats_;
};

}  // namespace cos_exporter
