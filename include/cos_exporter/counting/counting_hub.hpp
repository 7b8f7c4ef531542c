#pragma once

#include <memory>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/event_counter.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/counting/unknown_codes.hpp"

namespace cos_exporter {

// Owns what counting needs for the daemon's lifetime: the metric store, the
// unknown-code table and the EventCounter of the config in force. A reload
// installs a new classifier; the store and its counters stay.
class CountingHub {
 public:
  CountingHub(std::shared_ptr<Classifier const> classifier, std::uint32_t max_unknown_codes);

  void install(std::shared_ptr<Classifier const> classifier, std::uint32_t max_unknown_codes);

  EventCounter& counter() noexcept { return *counter_; }
  Classifier const& classifier() const { return counter_->classifier(); }
  MetricStore& store() noexcept { return store_; }

 private:
  MetricStore store_;
  UnknownCodes unknown_;
  std::unique_ptr<EventCounter> counter_;
};

}  // namespace cos_exporter
