#include "cos_exporter/counting/input_counters.hpp"

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

InputCounters::InputCounters(MetricStore& store, std::string const& name)
    : input_name(name), received(&store.counter(metric::kReceivedFamily).series({name})) {
  auto& family = store.counter(metric::kMalformedFamily);
  for (std::size_t i = 0; i < kMalformedReasonCount; ++i)
    malformed[i] = &family.series({name, std::string(kMalformedReasonLabels[i])});
}

}  // namespace cos_exporter
