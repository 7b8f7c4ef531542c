#include "cos_exporter/exposition/error_exemplars.hpp"

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

ExemplarLookup error_exemplars(CountingHub const& hub) {
  return [&hub](prometheus::MetricFamily const& family,
                prometheus::ClientMetric const& series) -> std::optional<Exemplar> {
    if (family.name != metric::kErrors) return std::nullopt;
    // The store lists labels in its label-name order, as the family has them.
    std::vector<std::string> names, values;
    for (auto const& label : series.label) {
      names.push_back(label.name);
      values.push_back(label.value);
    }
    CounterCell const* counter = nullptr;
    for (CounterFamily const* errors : hub.store().counter_families(metric::kErrors)) {
      if (errors->label_names() != names) continue;
      if (auto it = errors->all().find(values); it != errors->all().end()) counter = it->second;
    }
    if (counter == nullptr) return std::nullopt;
    ExemplarCell const* cell = hub.exemplars().find(*counter);
    if (cell == nullptr || cell->empty()) return std::nullopt;
    Exemplar exemplar;
    cell->for_each_label([&](std::string_view name, std::string_view value) {
      exemplar.labels.push_back({std::string(name), std::string(value)});
    });
    exemplar.value = static_cast<double>(cell->value());
    exemplar.timestamp_ms = cell->timestamp_ms();
    return exemplar;
  };
}

}  // namespace cos_exporter
