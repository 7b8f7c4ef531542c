#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/parsing/malformed_reason.hpp"

namespace cos_exporter {

// The per-input counters every input kind has, resolved once. Every reason's
// series (malformed and without an event) exists at 0 from the moment the
// input is created.
struct InputCounters {
  InputCounters(MetricStore& store, std::string const& input_name);

  // Lines counted as malformed, for every reason.
  std::uint64_t malformed_total() const;

  std::string input_name;
  CounterCell* received;
  std::array<CounterCell*, kMalformedReasonCount> malformed;
  // Lines without an event (blank, no_event), by reason less kMalformedReasonCount.
  std::array<CounterCell*, kNoEventReasonCount> without_event;
};

}  // namespace cos_exporter
