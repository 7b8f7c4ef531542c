#include "cos_exporter/counting/unknown_codes.hpp"

#include <string>

#include "cos_exporter/classification/category.hpp"
#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
UnknownCodes::UnknownCodes(MetricStore& store, ExemplarStore& exemplars, std::uint32_t limit)
    : errors_(store.counter(metric::kErrorsFamily)),
      exemplars_(exemplars),
      slots_(limit),
      limit_(limit) {
  other_.errors = &errors_.series(
      {std::string(to_string(Category::unknown)), "other", std::string(kUnknownName)});
  other_.exemplar = &exemplars_.of(*other_.errors);
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
  slots_.reserve(limit);
  limit_ = limit;
}

}  // namespace cos_exporter
