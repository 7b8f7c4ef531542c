#include "cos_exporter/counting/labeled_series.hpp"

#include <cstring>

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

// Eight bytes a step: label values are mostly short names and ids, for which
// a byte-at-a-time hash is a chain of as many multiplies as bytes. Use the
// high bits: the low bits of a product depend only on the low bits of its
// factors, so values sharing a prefix ("bench-1", "bench-2") share them.
std::uint64_t value_hash(std::string_view value) noexcept {
  auto load = [&](std::size_t at, std::size_t bytes) {
    std::uint64_t word = 0;  // fixed sizes, so the copies compile to loads
    if (bytes == 8) std::memcpy(&word, value.data() + at, 8);
    if (bytes == 4) std::memcpy(&word, value.data() + at, 4);
    return word;
  };
  std::size_t const size = value.size();
  std::uint64_t hash = size * 0x9E3779B97F4A7C15ull;
  std::uint64_t tail = 0;
  if (size >= 8) {
    for (std::size_t i = 0; i + 8 < size; i += 8)
      hash = (hash ^ load(i, 8)) * 0xFF51AFD7ED558CCDull;
    tail = load(size - 8, 8);  // the last eight, overlapping the step before
  } else if (size >= 4) {
    tail = load(0, 4) | load(size - 4, 4) << 32;
  } else {
    for (std::size_t i = 0; i < size; ++i)
      tail |= std::uint64_t{static_cast<unsigned char>(value[i])} << (8 * i);
  }
  return (hash ^ tail) * 0xC4CEB9FE1A85EC53ull;
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
  auto& recent = label.recent[value_hash(value) >> (64 - Label::kRecentBits)];
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

LabeledSeries::Cells LabeledSeries::series(CounterFamily const& family, CounterCell const& base,
                                           ValueIds ids) noexcept {
  Key key{&base, ids};
  if (auto it = series_.find(key); it != series_.end()) return it->second;
  bool const over = created_ >= max_series_;
  if (over) {
    for (std::size_t i = 0; i < names_.size(); ++i) key.ids[i] = kOther;
  } else {
    ++created_;
  }
  try {
    auto it = over ? series_.find(key) : series_.end();
    Cells cells = it != series_.end() ? it->second : create(family, key);
    cells.overflowed = over;
    cells.over_max_series = over;
    return cells;
  } catch (...) {
    // Out of memory: count it unlabeled.
    return Cells{const_cast<CounterCell*>(&base), nullptr, true};
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
