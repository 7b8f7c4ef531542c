#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/exemplar_cell.hpp"
#include "cos_exporter/counting/label_plan.hpp"
#include "cos_exporter/counting/label_resolver.hpp"
#include "cos_exporter/counting/labeled_class_cells.hpp"
#include "cos_exporter/counting/labeled_series.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/counting/unknown_codes.hpp"
#include "cos_exporter/parsing/event_fields.hpp"

namespace cos_exporter {

// The counting stage: every class of the classifier resolved, once, to its
// counter cells. count() takes no lock, allocates nothing and hashes no label.
class EventCounter {
 public:
  // `exemplar_fields`: the event fields each error series keeps from its last
  // event; `labels`: the extra labels. The parsers read the fields both need
  // (field_names()).
  EventCounter(std::shared_ptr<Classifier const> classifier, MetricStore& store,
               UnknownCodes& unknown, ExemplarStore& exemplars, LabeledSeries& labeled,
               std::vector<std::string> exemplar_fields = {}, LabelPlan const& labels = {});

  // `dialect`: the SDK dialect of the input the event came from; `fields` as
  // the parser read them for field_names(); `labels` the extra label values
  // (null, or all empty: the series without extra labels).
  void count(std::int64_t code, std::string_view message, std::uint64_t n, SdkDialect dialect,
             EventFields const& fields = {},
             LabeledSeries::ValueIds const* labels = nullptr) noexcept;
  void count(std::int64_t code, std::string_view message, std::uint64_t n,
             EventFields const& fields = {},
             LabeledSeries::ValueIds const* labels = nullptr) noexcept {
    count(code, message, n, SdkDialect::document, fields, labels);
  }

  Classifier const& classifier() const { return *classifier_; }
  EventFieldNames const& field_names() const { return fields_; }
  LabelResolver& labels() noexcept { return resolver_; }
  // Differs between any two counters, so an input can cache what it resolved.
  std::uint64_t id() const { return id_; }

 private:
  struct ClassCells {
    CounterCell* errors = nullptr;  // null for success classes
    ExemplarCell* exemplar = nullptr;
    GroupMask groups = 0;
  };
  void count_error(CounterCell* errors, ExemplarCell* exemplar, GroupMask groups, std::uint64_t n,
                   EventFields const& fields) noexcept;
  // What count_error and a success count, for the series with extra labels.
  void count_labeled(LabeledClassCells::Base const& base, std::uint64_t n,
                     EventFields const& fields, LabeledSeries::ValueIds const& ids) noexcept;

  std::shared_ptr<Classifier const> classifier_;
  std::vector<ClassCells> classes_;
  std::array<CounterCell*, kMaxGroups> group_cells_{};
  CounterCell* success_events_;
  CounterCell* error_events_;
  CounterCell* unknown_overflow_;
  UnknownCodes& unknown_;
  std::vector<std::string> exemplar_names_;
  EventFieldNames fields_;
  LabelResolver resolver_;
  CounterFamily* errors_family_;
  CounterFamily* events_family_;
  CounterFamily* groups_family_;
  LabeledClassCells labeled_cells_;
  ExemplarDrops* exemplar_drops_;  // values left out of an exemplar, counted
  std::uint64_t id_;
};

}  // namespace cos_exporter
