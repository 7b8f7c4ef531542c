#include "cos_exporter/counting/labeled_series.hpp"

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

constexpr std::size_t kMaxValueBytes = 128;

// At most kMaxValueBytes, not ending inside a UTF-8 sequence.
std::string_view cut(std::string_view value) {
  if (value.size() <= kMaxValueBytes) return value;
  std::size_t end = kMaxValueBytes;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return value.substr(0, end);
}

}  // namespace

std::size_t LabeledSeries::KeyHash::operator()(Key const& key) const noexcept {
  std::uint64_t hash = reinterpret_cast<std::uintptr_t>(key.base);
  for (std::uint32_t id : key.ids) hash = (hash ^ id) * 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>(hash ^ (hash >> 29));
}

LabeledSeries::Label& LabeledSeries::label_named(std::string const& name) {
  auto& label = labels_[name];
  if (!label) {
    label = std::make_unique<Label>();
    label->name = name;
    label->values = {"", "other"};
    label->overflow = &store_.counter(metric::kLabelOverflowFamily).series({name});
  }
  return *label;
}

void LabeledSeries::configure(std::vector<std::string> const& names,
                              std::vector<std::uint32_t> const& max_values,
                              std::uint64_t max_series) {
  if (names != names_) {  // ids index other labels now
    series_.clear();
    cache_.fill(CacheEntry{});
  }
  names_ = names;
  active_.clear();
  for (std::size_t i = 0; i < names_.size(); ++i) {
    Label& label = label_named(names_[i]);
    label.max_values = max_values[i];
    active_.push_back(&label);
  }
  max_series_ = max_series;
  if (!names_.empty() && max_series_overflow_ == nullptr)
    max_series_overflow_ = &store_.counter(metric::kLabelOverflowFamily).series({kMaxSeriesLabel});
}

int LabeledSeries::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

std::uint32_t LabeledSeries::value_id(std::size_t index, std::string_view value,
                                      std::uint64_t n) noexcept {
  if (value.empty()) return kEmpty;
  Label& label = *active_[index];
  value = cut(value);
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : value) hash = (hash ^ c) * 16777619u;
  auto& recent = label.recent[hash & (label.recent.size() - 1)];
  if (recent.second != 0 && recent.first == value) return recent.second;
  if (auto it = label.ids.find(value); it != label.ids.end()) {
    recent = {it->first, it->second};
    return it->second;
  }
  // values holds "" and "other" besides the distinct values.
  if (label.values.size() - 2 >= label.max_values) {
    label.overflow->add(n);
    return kOther;
  }
  try {
    std::string const& stored = label.values.emplace_back(value);
    auto id = static_cast<std::uint32_t>(label.values.size() - 1);
    label.ids.emplace(stored, id);
    return id;
  } catch (...) {
    label.overflow->add(n);
    return kOther;
  }
}

LabeledSeries::Cells LabeledSeries::create(CounterFamily const& family, Key const& key) {
  std::vector<std::string> values;
  for (auto const& [base_values, cell] : family.all())
    if (cell == key.base) values = base_values;
  std::vector<std::string> label_names = family.label_names();
  label_names.insert(label_names.end(), names_.begin(), names_.end());
  for (std::size_t i = 0; i < names_.size(); ++i) values.push_back(active_[i]->values[key.ids[i]]);
  CounterFamily& labeled = store_.counter_with_labels(family.name(), family.help(), label_names);
  Cells cells;
  cells.counter = &labeled.series(values);
  if (family.name() == metric::kErrors) cells.exemplar = &exemplars_.of(*cells.counter);
  series_.emplace(key, cells);
  return cells;
}

}  // namespace cos_exporter
