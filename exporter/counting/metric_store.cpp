#include "cos_exporter/counting/metric_store.hpp"

#include <prometheus/metric_family.h>

#include <iterator>

namespace cos_exporter {
namespace {

template <typename Family, typename Fill>
prometheus::MetricFamily to_prometheus(Family const& family, prometheus::MetricType type,
                                       Fill&& fill) {
  prometheus::MetricFamily out;
  out.name = family.name();
  out.help = family.help();
  out.type = type;
  out.metric.reserve(family.all().size());
  for (auto const& [label_values, cell] : family.all()) {
    prometheus::ClientMetric metric;
    metric.label.reserve(label_values.size());
    for (std::size_t i = 0; i < label_values.size(); ++i)
      metric.label.push_back({family.label_names()[i], label_values[i]});
    fill(metric, *cell);
    out.metric.push_back(std::move(metric));
  }
  return out;
}

}  // namespace

CounterFamily& MetricStore::counter(metric::Definition const& definition) {
  auto& slot = counters_[definition.name];
  if (!slot) {
    slot =
        std::make_unique<CounterFamily>(definition.name, definition.help, definition.label_names());
    take_restored(*slot);
  }
  return *slot;
}

void MetricStore::take_restored(CounterFamily& family) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->name == family.name() && it->label_names == family.label_names()) {
      family.restore(std::move(it->series));
      pending_.erase(it);
      return;
    }
  }
}

void MetricStore::restore_counters(std::vector<RestoredFamily> families) {
  for (auto& restored : families) {
    CounterFamily* family = nullptr;
    for (auto const& [key, existing] : counters_)
      if (existing->name() == restored.name && existing->label_names() == restored.label_names)
        family = existing.get();
    if (family != nullptr)
      family->restore(std::move(restored.series));
    else
      pending_.push_back(std::move(restored));
  }
}

std::vector<CounterFamily const*> MetricStore::all_counter_families() const {
  std::vector<CounterFamily const*> out;
  out.reserve(counters_.size());
  for (auto const& [key, family] : counters_) out.push_back(family.get());
  return out;
}

GaugeFamily& MetricStore::gauge(metric::Definition const& definition) {
  auto& slot = gauges_[definition.name];
  if (!slot)
    slot =
        std::make_unique<GaugeFamily>(definition.name, definition.help, definition.label_names());
  return *slot;
}

CounterFamily& MetricStore::counter_with_labels(std::string const& name, std::string const& help,
                                                std::vector<std::string> label_names) {
  std::string key = name;
  for (auto const& label : label_names) key += '\0' + label;
  auto& slot = counters_[key];
  if (!slot) {
    slot = std::make_unique<CounterFamily>(name, help, std::move(label_names));
    take_restored(*slot);
  }
  return *slot;
}

CounterFamily const* MetricStore::find_counter(std::string const& name) const {
  auto it = counters_.find(name);
  return it == counters_.end() ? nullptr : it->second.get();
}

std::vector<CounterFamily const*> MetricStore::counter_families(std::string const& name) const {
  std::vector<CounterFamily const*> out;
  for (auto it = counters_.lower_bound(name); it != counters_.end() && it->second->name() == name;
       ++it)
    out.push_back(it->second.get());
  return out;
}

GaugeFamily const* MetricStore::find_gauge(std::string const& name) const {
  auto it = gauges_.find(name);
  return it == gauges_.end() ? nullptr : it->second.get();
}

void MetricStore::remove_counter_series(std::string const& name,
                                        std::vector<std::string> const& labels) {
  if (auto it = counters_.find(name); it != counters_.end()) it->second->remove(labels);
}

void MetricStore::remove_gauge_series(std::string const& name,
                                      std::vector<std::string> const& labels) {
  if (auto it = gauges_.find(name); it != gauges_.end()) it->second->remove(labels);
}

std::vector<prometheus::MetricFamily> MetricStore::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  families.reserve(counters_.size() + gauges_.size());
  for (auto const& [key, family] : counters_) {
    auto more = to_prometheus(*family, prometheus::MetricType::Counter,
                              [](prometheus::ClientMetric& m, CounterCell const& cell) {
                                m.counter.value = static_cast<double>(cell.value());
                              });
    if (!families.empty() && families.back().name == more.name)
      std::move(more.metric.begin(), more.metric.end(), std::back_inserter(families.back().metric));
    else
      families.push_back(std::move(more));
  }
  for (auto const& [name, family] : gauges_)
    families.push_back(to_prometheus(
        *family, prometheus::MetricType::Gauge,
        [](prometheus::ClientMetric& m, GaugeCell const& cell) { m.gauge.value = cell.value(); }));
  return families;
}

}  // namespace cos_exporter
