#include "cos_exporter/parsing/event_fields.hpp"

#include <atomic>
#include <stdexcept>

namespace cos_exporter {
namespace {

std::atomic<std::uint64_t> next_id{1};

}  // namespace

EventFieldNames::EventFieldNames(std::vector<std::string> names)
    : names_(std::move(names)), id_(next_id.fetch_add(1, std::memory_order_relaxed)) {
  if (names_.size() > kMaxEventFields)
    throw std::invalid_argument("at most " + std::to_string(kMaxEventFields) +
                                " event fields can be read");
}

EventFieldNames const& EventFieldNames::none() {
  static EventFieldNames const empty;
  return empty;
}

}  // namespace cos_exporter
