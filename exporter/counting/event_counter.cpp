#include "cos_exporter/counting/event_counter.hpp"

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

EventCounter::EventCounter(std::shared_ptr<Classifier const> classifier, MetricStore& store,
                           UnknownCodes& unknown)
    : classifier_(std::move(classifier)), unknown_(unknown) {
  auto& errors = store.counter(metric::kErrorsFamily);
  auto& groups = store.counter(metric::kGroupErrorsFamily);
  auto& events = store.counter(metric::kEventsFamily);
  success_events_ = &events.series({"success"});
  error_events_ = &events.series({"error"});
  unknown_overflow_ = &store.counter(metric::kUnknownOverflowFamily).series({});

  auto group_configs = classifier_->group_matcher().groups();
  for (std::size_t i = 0; i < group_configs.size() && i < kMaxGroups; ++i)
    group_cells_[i] = &groups.series({group_configs[i].name});

  // Every error class gets its series now, so it is visible at 0 from start-up.
  classes_.reserve(classifier_->classes().size());
  for (auto const& code_class : classifier_->classes()) {
    ClassCells cells;
    if (code_class.kind == Kind::error) {
      cells.errors = &errors.series(
          {std::string(to_string(code_class.category)), code_class.code_label, code_class.name});
      cells.groups = code_class.groups;
    }
    classes_.push_back(cells);
  }
  unknown_.regroup(
      [&](std::int64_t code, std::string_view name) {
        return classifier_->unknown_code_groups(code, name);
      },
      classifier_->group_matcher().match_any_code(kUnknownName, Category::unknown));
}

void EventCounter::count_error(CounterCell* errors, GroupMask groups, std::uint64_t n) noexcept {
  error_events_->add(n);
  errors->add(n);
  for_each_group(groups, [&](unsigned i) { group_cells_[i]->add(n); });
}

void EventCounter::count(std::int64_t code, std::string_view message, std::uint64_t n,
                         SdkDialect dialect) noexcept {
  std::uint32_t index = classifier_->classify(code, message, dialect);
  if (index != Classifier::kUnknown) {
    ClassCells const& cells = classes_[index];
    if (cells.errors == nullptr) {
      success_events_->add(n);
      return;
    }
    count_error(cells.errors, cells.groups, n);
    return;
  }
  // A new unknown code gets its series and groups here, at most
  // max_unknown_codes times; after that the slot is found by the integer alone.
  bool overflowed = false;
  UnknownCodes::Slot const& slot = unknown_.resolve(
      code, message,
      [&](std::int64_t c, std::string_view name) {
        return classifier_->unknown_code_groups(c, name);
      },
      overflowed);
  if (overflowed) unknown_overflow_->add(n);
  count_error(slot.errors, slot.groups, n);
}

}  // namespace cos_exporter
