#pragma once

#include <prometheus/collectable.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "cos_exporter/counting/counter_cell.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

// A metric family whose series are created at start-up or reload (never per
// event) and live as long as the store: counters survive every reload. The
// series of a thing that is gone (a deleted file) can be removed; its cell is
// reused, from zero, by the next new series.
template <typename Cell>
class CellFamily {
 public:
  CellFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

  // Get or create the series with these label values (in label_names order).
  // The reference stays valid for the store's lifetime.
  Cell& series(std::vector<std::string> const& label_values);
  // Takes the series out of the exposition; references to its cell must no
  // longer be used.
  void remove(std::vector<std::string> const& label_values);
  bool has_series(std::vector<std::string> const& label_values) const {
    return index_.contains(label_values);
  }

  // Values restored from the state file: a series created later starts from
  // its restored value (once); one that exists now gets it added.
  using Restored = std::map<std::vector<std::string>, std::uint64_t>;
  void restore(Restored values);
  // Restored values no series took up yet.
  Restored const& restored() const { return restored_; }

  std::string const& name() const { return name_; }
  std::string const& help() const { return help_; }
  std::vector<std::string> const& label_names() const { return label_names_; }
  // Series in label order, for collection and tests.
  std::map<std::vector<std::string>, Cell*> const& all() const { return index_; }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::deque<Cell> cells_;  // stable addresses
  std::map<std::vector<std::string>, Cell*> index_;
  std::vector<Cell*> free_;  // cells of removed series
  Restored restored_;
};

using CounterFamily = CellFamily<CounterCell>;
using GaugeFamily = CellFamily<GaugeCell>;

// Every counter and stored gauge of the exporter, by family name.
class MetricStore : public prometheus::Collectable {
 public:
  // Get or create the family a definition (metric_names.hpp) declares.
  CounterFamily& counter(metric::Definition const& definition);
  GaugeFamily& gauge(metric::Definition const& definition);

  // A family of the same metric with more labels (the extra labels of event
  // series): exposed together with `name`'s family, as one.
  CounterFamily& counter_with_labels(std::string const& name, std::string const& help,
                                     std::vector<std::string> label_names);

  CounterFamily const* find_counter(std::string const& name) const;
  // `name`'s family and those counter_with_labels made for it.
  std::vector<CounterFamily const*> counter_families(std::string const& name) const;
  GaugeFamily const* find_gauge(std::string const& name) const;
  void remove_counter_series(std::string const& name, std::vector<std::string> const& labels);
  void remove_gauge_series(std::string const& name, std::vector<std::string> const& labels);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // Counter values read back from the state file, by family (name and label
  // names): series that exist take theirs now, the others when they are
  // created (a file opened, an unknown code or extra-label series seen again).
  struct RestoredFamily {
    std::string name;
    std::vector<std::string> label_names;
    CounterFamily::Restored series;
  };
  void restore_counters(std::vector<RestoredFamily> families);
  // Every counter family, in exposition order.
  std::vector<CounterFamily const*> all_counter_families() const;

 private:
  std::vector<RestoredFamily> pending_;  // families not created yet
  void take_restored(CounterFamily& family);

  // By name; a family with more labels under name + '\0' + its label names,
  // so that it sorts right after the family it joins.
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_;
  std::map<std::string, std::unique_ptr<GaugeFamily>> gauges_;
};

template <typename Cell>
Cell& CellFamily<Cell>::series(std::vector<std::string> const& label_values) {
  if (auto it = index_.find(label_values); it != index_.end()) return *it->second;
  Cell* cell = nullptr;
  if (!free_.empty()) {
    cell = free_.back();
    free_.pop_back();
    cell->reset();
  } else {
    cell = &cells_.emplace_back();
  }
  index_.emplace(label_values, cell);
  if constexpr (std::is_same_v<Cell, CounterCell>) {
    if (!restored_.empty()) {
      if (auto it = restored_.find(label_values); it != restored_.end()) {
        cell->add(it->second);
        restored_.erase(it);
      }
    }
  }
  return *cell;
}

template <typename Cell>
void CellFamily<Cell>::restore(Restored values) {
  for (auto& [labels, value] : values) {
    if (auto it = index_.find(labels); it != index_.end()) {
      if constexpr (std::is_same_v<Cell, CounterCell>) it->second->add(value);
    } else {
      restored_[labels] += value;
    }
  }
}

template <typename Cell>
void CellFamily<Cell>::remove(std::vector<std::string> const& label_values) {
  auto it = index_.find(label_values);
  if (it == index_.end()) return;
  free_.push_back(it->second);
  index_.erase(it);
}

}  // namespace cos_exporter
