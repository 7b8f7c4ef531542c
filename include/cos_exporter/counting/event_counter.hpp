#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/exemplar_cell.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/counting/unknown_codes.hpp"
#include "cos_exporter/parsing/event_fields.hpp"

namespace cos_exporter {

// The counting stage: every class of the classifier resolved, once, to its
// counter cells. count() takes no lock, allocates nothing and hashes no label.
class EventCounter {
 public:
  // `fields`: the exemplar fields, which the parsers read for count().
  EventCounter(std::shared_ptr<Classifier const> classifier, MetricStore& store,
               UnknownCodes& unknown, ExemplarStore& exemplars, EventFieldNames fields = {});

  // `fields` as the parser read them for field_names().
  void count(std::int64_t code, std::string_view message, std::uint64_t n,
             EventFields const& fields = {}) noexcept;

  Classifier const& classifier() const { return *classifier_; }
  EventFieldNames const& field_names() const { return fields_; }

 private:
  struct ClassCells {
    CounterCell* errors = nullptr;  // null for success classes
    ExemplarCell* exemplar = nullptr;
    GroupMask groups = 0;
  };
  void count_error(CounterCell* errors, ExemplarCell* exemplar, GroupMask groups, std::uint64_t n,
                   EventFields const& fields) noexcept;

  std::shared_ptr<Classifier const> classifier_;
  std::vector<ClassCells> classes_;
  std::array<CounterCell*, kMaxGroups> group_cells_{};
  CounterCell* success_events_;
  CounterCell* error_events_;
  CounterCell* unknown_overflow_;
  UnknownCodes& unknown_;
  EventFieldNames fields_;
};

}  // namespace cos_exporter
