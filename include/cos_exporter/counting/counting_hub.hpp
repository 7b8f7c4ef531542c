#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/event_counter.hpp"
#include "cos_exporter/counting/exemplar_cell.hpp"
#include "cos_exporter/counting/label_plan.hpp"
#include "cos_exporter/counting/labeled_series.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/counting/unknown_codes.hpp"

namespace cos_exporter {

// Owns what counting needs for the daemon's lifetime: the metric store, the
// unknown-code table and the EventCounter of the config in force. A reload
// installs a new classifier; the store and its counters stay.
class CountingHub {
 public:
  // `exemplar_fields`: the event fields each cos_errors_total series shows
  // from its last event as its exemplar.
  // `labels`: the extra labels of the event series.
  CountingHub(std::shared_ptr<Classifier const> classifier, std::uint32_t max_unknown_codes,
              std::vector<std::string> exemplar_fields = {}, LabelPlan const& labels = {});

  void install(std::shared_ptr<Classifier const> classifier, std::uint32_t max_unknown_codes,
               std::vector<std::string> exemplar_fields = {}, LabelPlan const& labels = {});

  EventCounter& counter() noexcept { return *counter_; }
  Classifier const& classifier() const { return counter_->classifier(); }
  MetricStore& store() noexcept { return store_; }
  MetricStore const& store() const noexcept { return store_; }
  ExemplarStore const& exemplars() const noexcept { return exemplars_; }

 private:
  MetricStore store_;
  ExemplarStore exemplars_{store_};
  LabeledSeries labeled_{store_, exemplars_};
  UnknownCodes unknown_;
  std::unique_ptr<EventCounter> counter_;
};

}  // namespace cos_exporter
