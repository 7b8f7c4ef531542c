#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/counting/unknown_codes.hpp"

namespace cos_exporter {

// The counting stage: every class of the classifier resolved, once, to its
// counter cells. count() takes no lock, allocates nothing and hashes no label.
class EventCounter {
 public:
  EventCounter(std::shared_ptr<Classifier const> classifier, MetricStore& store,
               UnknownCodes& unknown);

  // `dialect`: the SDK dialect of the input the event came from.
  void count(std::int64_t code, std::string_view message, std::uint64_t n,
             SdkDialect dialect = SdkDialect::document) noexcept;

  Classifier const& classifier() const { return *classifier_; }

 private:
  struct ClassCells {
    CounterCell* errors = nullptr;  // null for success classes
    GroupMask groups = 0;
  };
  void count_error(CounterCell* errors, GroupMask groups, std::uint64_t n) noexcept;

  std::shared_ptr<Classifier const> classifier_;
  std::vector<ClassCells> classes_;
  std::array<CounterCell*, kMaxGroups> group_cells_{};
  CounterCell* success_events_;
  CounterCell* error_events_;
  CounterCell* unknown_overflow_;
  UnknownCodes& unknown_;
};

}  // namespace cos_exporter
