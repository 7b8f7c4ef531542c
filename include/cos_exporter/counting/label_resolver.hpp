#pragma once

#include <re2/re2.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/counting/label_plan.hpp"
#include "cos_exporter/counting/labeled_series.hpp"
#include "cos_exporter/parsing/event_fields.hpp"

namespace cos_exporter {

// Turns where an event comes from (its input, its file) and its fields into
// the value ids of the extra labels.
class LabelResolver {
 public:
  // `event_field_index[i]`: where label i's field is in the parsed fields, or -1.
  LabelResolver(LabelPlan const& plan, LabeledSeries& labeled, std::vector<int> event_field_index);

  bool active() const { return active_; }
  // The static labels of `input` and, for a file input, the path labels of
  // `path`. Allocates (a new value, the path regex): once per input or file.
  // Returns the labels (a bit each) whose value overflowed to "other": each
  // event then counts in add_source_overflow.
  std::uint32_t source_ids(std::string const& input, std::string_view path,
                           LabeledSeries::ValueIds& ids) noexcept;
  void add_source_overflow(std::uint32_t mask, std::uint64_t n) noexcept {
    for (std::size_t label = 0; mask != 0; ++label, mask >>= 1)
      if (mask & 1) labeled_.add_overflow(label, n);
  }
  // The event labels: no allocation for a value seen before.
  void event_ids(EventFields const& fields, std::uint64_t n,
                 LabeledSeries::ValueIds& ids) noexcept {
    for (auto const& [label, field] : event_labels_)
      ids[label] = labeled_.value_id(label, fields.values[field], n);
  }

 private:
  bool active_;
  LabeledSeries& labeled_;
  std::vector<std::pair<std::size_t, std::size_t>> event_labels_;  // label index, field index
  std::map<std::string, std::vector<std::pair<std::size_t, std::string>>> static_ids_;
  std::map<std::string, std::unique_ptr<RE2>> path_regexes_;
};

}  // namespace cos_exporter
