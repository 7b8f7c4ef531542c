#include "cos_exporter/counting/exemplar_cell.hpp"

#include <cstdint>
#include <cstring>
#include <ctime>

#include "cos_exporter/common/utf8.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {
namespace {

constexpr std::size_t kNotUtf8 = SIZE_MAX, kBrace = SIZE_MAX - 1;

// The characters of `text` if it is valid UTF-8 without a `}` (an ASCII
// value, the usual id, needs no more than the count), or kNotUtf8, kBrace.
std::size_t utf8_chars(std::string_view text) noexcept {
  std::size_t chars = 0;
  unsigned char any = 0;
  bool brace = false;
  for (unsigned char c : text) {
    chars += (c & 0xC0) != 0x80;
    any |= c;
    brace |= c == '}';
  }
  if ((any & 0x80) != 0 && !is_valid_utf8(text)) return kNotUtf8;
  // python3-prometheus-client's OpenMetrics parser ends an exemplar's labels
  // at its first '}', quoted or not, and refuses the whole page.
  return brace ? kBrace : chars;
}

}  // namespace

ExemplarStore::ExemplarStore(MetricStore& store) {
  auto& family = store.counter(metric::kExemplarDroppedFamily);
  for (std::size_t i = 0; i < kExemplarDropCount; ++i)
    drops_.cells[i] = &family.series({kExemplarDropLabels[i]});
}

void ExemplarCell::record(std::vector<std::string> const& names, EventFields const& values,
                          std::uint64_t n, ExemplarDrops* drops) noexcept {
  std::size_t count = 0, offset = 0, chars = 0;
  auto drop = [&](ExemplarDrop reason) {
    if (drops != nullptr) drops->add(reason);
  };
  for (std::size_t i = 0; i < names.size() && count < kMaxLabels; ++i) {
    std::string_view name = names[i], value = values.values[i];
    if (value.empty()) continue;
    std::size_t value_chars = utf8_chars(value);
    if (value_chars >= kBrace) {
      drop(value_chars == kBrace ? ExemplarDrop::brace : ExemplarDrop::invalid_utf8);
      continue;
    }
    std::size_t label_chars = name.size() + value_chars;  // names are ASCII
    if (chars + label_chars > kMaxChars) {
      drop(ExemplarDrop::too_long);
      continue;
    }
    chars += label_chars;
    std::memcpy(text_.data() + offset, name.data(), name.size());
    offset += name.size();
    std::memcpy(text_.data() + offset, value.data(), value.size());
    offset += value.size();
    lengths_[2 * count] = static_cast<std::uint16_t>(name.size());
    lengths_[2 * count + 1] = static_cast<std::uint16_t>(value.size());
    ++count;
  }
  if (count == 0) return;
  labels_ = count;
  value_ = n;
  timestamp_ms_ = exemplar_clock_ms();
}

ExemplarCell& ExemplarStore::of(CounterCell const& series) {
  auto& cell = cells_[&series];
  if (!cell) cell = std::make_unique<ExemplarCell>();
  return *cell;
}

ExemplarCell const* ExemplarStore::find(CounterCell const& series) const {
  auto it = cells_.find(&series);
  return it == cells_.end() ? nullptr : it->second.get();
}

std::int64_t exemplar_clock_ms() noexcept {
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  return std::int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1000000;
}

}  // namespace cos_exporter
