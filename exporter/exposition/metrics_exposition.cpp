#include "cos_exporter/exposition/metrics_exposition.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <iterator>

namespace cos_exporter {

std::string render_exposition(std::initializer_list<prometheus::Collectable const*> sources) {
  std::vector<prometheus::MetricFamily> families;
  for (auto const* source : sources) {
    auto more = source->Collect();
    std::move(more.begin(), more.end(), std::back_inserter(families));
  }
  std::sort(families.begin(), families.end(),
            [](auto const& a, auto const& b) { return a.name < b.name; });
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace cos_exporter
