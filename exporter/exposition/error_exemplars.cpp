#include "cos_exporter/exposition/error_exemplars.hpp"

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

ExemplarLookup error_exemplars(CountingHub const& hub) {
  return [&hub](prometheus::MetricFamily const& family,
                prometheus::ClientMetric const& series) -> std::optional<Exemplar> {
    if (family.name != metric::kErrors) return std::nullopt;
    CounterFamily const* errors = hub.store().find_counter(metric::kErrors);
    if (errors == nullptr) return std::nullopt;
    // The store lists labels in its label-name order, as the family has them.
    std::vector<std::string> values;
    values.reserve(series.label.size());
    for (auto const& label : series.label) values.push_back(label.value);
    auto it = errors->all().find(values);
    if (it == errors->all().end()) return std::nullopt;
    ExemplarCell const* cell = hub.exemplars().find(*it->second);
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
