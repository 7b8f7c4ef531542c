#include "cos_exporter/exposition/metrics_exposition.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <iterator>

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {

std::string render_exposition(std::initializer_list<prometheus::Collectable const*> sources,
                              ExpositionFormat format, ExemplarLookup const& exemplars) {
  std::vector<prometheus::MetricFamily> families;
  for (auto const* source : sources) {
    auto more = source->Collect();
    std::move(more.begin(), more.end(), std::back_inserter(families));
  }
  // Prometheus refuses a whole scrape for one label value that is not UTF-8
  // (a file name, a name from a catalog file): such bytes are shown as \xNN.
  for (auto& family : families)
    for (auto& metric : family.metric)
      for (auto& label : metric.label)
        if (!is_valid_utf8(label.value)) label.value = sanitize_utf8(label.value);
  std::sort(families.begin(), families.end(),
            [](auto const& a, auto const& b) { return a.name < b.name; });
  if (format == ExpositionFormat::text_0_0_4)
    return prometheus::TextSerializer().Serialize(families);
  return serialize_openmetrics(families, exemplars);
}

}  // namespace cos_exporter
