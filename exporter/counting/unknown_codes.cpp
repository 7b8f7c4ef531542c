#include "cos_exporter/counting/unknown_codes.hpp"

#include <bit>
#include <string>

#include "cos_exporter/classification/category.hpp"
#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

std::size_t table_size_for(std::uint32_t limit) {
  return std::bit_ceil(std::max<std::size_t>(16, std::size_t{limit} * 2));
}

std::uint64_t hash_code(std::int64_t code) {
  return static_cast<std::uint64_t>(code) * 0x9E3779B97F4A7C15ull;
}

}  // namespace

UnknownCodes::UnknownCodes(MetricStore& store, ExemplarStore& exemplars, std::uint32_t limit)
    : errors_(store.counter(metric::kErrorsFamily)),
      exemplars_(exemplars),
      slots_(table_size_for(limit)),
      limit_(limit) {
  other_.errors = &errors_.series(
      {std::string(to_string(Category::unknown)), "other", std::string(kUnknownName)});
  other_.exemplar = &exemplars_.of(*other_.errors);
}

UnknownCodes::Slot* UnknownCodes::find(std::int64_t code) noexcept {
  std::size_t mask = slots_.size() - 1;
  for (std::size_t position = hash_code(code) & mask;; position = (position + 1) & mask) {
    Slot& slot = slots_[position];
    if (slot.errors == nullptr || slot.code == code) return &slot;
  }
}

void UnknownCodes::create(Slot& slot, std::int64_t code, std::string_view name, GroupMask groups) {
  slot.code = code;
  slot.groups = groups;
  slot.name = name;
  slot.errors =
      &errors_.series({std::string(to_string(Category::unknown)), std::to_string(code), slot.name});
  slot.exemplar = &exemplars_.of(*slot.errors);
  ++used_;
}

std::string_view UnknownCodes::name_for(std::string_view message) noexcept {
  constexpr std::size_t kMaxName = 64;
  if (message.empty() || message.size() > kMaxName) return kUnknownName;
  for (char c : message) {
    bool identifier =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!identifier) return kUnknownName;
  }
  return message;
}

void UnknownCodes::set_limit(std::uint32_t limit) {
  if (table_size_for(limit) > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(table_size_for(limit), Slot{});
    for (auto const& slot : old)
      if (slot.errors != nullptr) *find(slot.code) = slot;
  }
  limit_ = limit;
}

}  // namespace cos_exporter
