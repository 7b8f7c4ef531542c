#include "cos_exporter/counting/input_counters.hpp"

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

InputCounters::InputCounters(MetricStore& store, std::string const& name)
    : input_name(name), received(&store.counter(metric::kReceivedFamily).series({name})) {
  auto& family = store.counter(metric::kMalformedFamily);
  for (std::size_t i = 0; i < kMalformedReasonCount; ++i)
    malformed[i] = &family.series({name, std::string(kMalformedReasonLabels[i])});
  auto& without = store.counter(metric::kWithoutEventFamily);
  for (std::size_t i = 0; i < kNoEventReasonCount; ++i)
    without_event[i] =
        &without.series({name, std::string(kMalformedReasonLabels[kMalformedReasonCount + i])});
}

std::uint64_t InputCounters::malformed_total() const {
  std::uint64_t total = 0;
  for (auto* cell : malformed) total += cell->value();
  return total;
}

}  // namespace cos_exporter
