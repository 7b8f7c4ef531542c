#include "cos_exporter/counting/event_counter.hpp"

#include <algorithm>
#include <atomic>

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

namespace {

std::atomic<std::uint64_t> next_counter_id{1};

// The fields the parsers read: the exemplar fields, then those of event
// labels not among them; and where each label's field is.
std::pair<std::vector<std::string>, std::vector<int>> fields_to_read(
    std::vector<std::string> const& exemplar_fields, LabelPlan const& plan) {
  std::vector<std::string> names = exemplar_fields;
  std::vector<int> index(plan.names.size(), -1);
  for (std::size_t i = 0; i < plan.event_fields.size(); ++i) {
    if (plan.event_fields[i].empty()) continue;
    auto it = std::find(names.begin(), names.end(), plan.event_fields[i]);
    index[i] = static_cast<int>(it - names.begin());
    if (it == names.end()) names.push_back(plan.event_fields[i]);
  }
  return {std::move(names), std::move(index)};
}

}  // namespace

EventCounter::EventCounter(std::shared_ptr<Classifier const> classifier, MetricStore& store,
                           UnknownCodes& unknown, ExemplarStore& exemplars, LabeledSeries& labeled,
                           std::vector<std::string> exemplar_fields, LabelPlan const& labels)
    : classifier_(std::move(classifier)),
      unknown_(unknown),
      exemplar_names_(std::move(exemplar_fields)),
      fields_(fields_to_read(exemplar_names_, labels).first),
      resolver_((labeled.configure(labels.names, labels.max_values, labels.max_series), labels),
                labeled, fields_to_read(exemplar_names_, labels).second),
      errors_family_(&store.counter(metric::kErrorsFamily)),
      events_family_(&store.counter(metric::kEventsFamily)),
      groups_family_(&store.counter(metric::kGroupErrorsFamily)),
      labeled_cells_(labeled, {events_family_, errors_family_, groups_family_, &group_cells_}),
      exemplar_drops_(exemplars.drops()),
      id_(next_counter_id.fetch_add(1, std::memory_order_relaxed)) {
  auto& errors = *errors_family_;
  auto& groups = *groups_family_;
  auto& events = *events_family_;
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
      cells.exemplar = &exemplars.of(*cells.errors);
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

void EventCounter::count_error(CounterCell* errors, ExemplarCell* exemplar, GroupMask groups,
                               std::uint64_t n, EventFields const& fields) noexcept {
  error_events_->add(n);
  errors->add(n);
  if (!exemplar_names_.empty()) exemplar->record(exemplar_names_, fields, n, exemplar_drops_);
  for_each_group(groups, [&](unsigned i) { group_cells_[i]->add(n); });
}

void EventCounter::count_labeled(LabeledClassCells::Base const& base, std::uint64_t n,
                                 EventFields const& fields,
                                 LabeledSeries::ValueIds const& ids) noexcept {
  LabeledClassCells::Cells const& cells = labeled_cells_.find(base, ids, n);
  cells.events->add(n);
  if (cells.errors == nullptr) return;
  cells.errors->add(n);
  if (!exemplar_names_.empty() && cells.exemplar != nullptr)
    cells.exemplar->record(exemplar_names_, fields, n, exemplar_drops_);
  for (CounterCell* group : cells.groups) group->add(n);
}

void EventCounter::count(std::int64_t code, std::string_view message, std::uint64_t n,
                         SdkDialect dialect, EventFields const& fields,
                         LabeledSeries::ValueIds const* labels) noexcept {
  if (labels != nullptr && LabeledSeries::all_empty(*labels)) labels = nullptr;
  std::uint32_t index = classifier_->classify(code, message, dialect);
  if (index != Classifier::kUnknown) {
    ClassCells const& cells = classes_[index];
    if (cells.errors == nullptr) {
      if (labels != nullptr)
        count_labeled({success_events_, nullptr, 0}, n, fields, *labels);
      else
        success_events_->add(n);
      return;
    }
    if (labels != nullptr)
      count_labeled({error_events_, cells.errors, cells.groups}, n, fields, *labels);
    else
      count_error(cells.errors, cells.exemplar, cells.groups, n, fields);
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
  if (labels != nullptr)
    count_labeled({error_events_, slot.errors, slot.groups}, n, fields, *labels);
  else
    count_error(slot.errors, slot.exemplar, slot.groups, n, fields);
}

}  // namespace cos_exporter
