#pragma once

#include <prometheus/collectable.h>

#include <initializer_list>
#include <string>

#include "cos_exporter/exposition/exposition_format.hpp"
#include "cos_exporter/exposition/openmetrics_serializer.hpp"

namespace cos_exporter {

// Everything the collectables hold in `format`, families sorted by name:
// Prometheus text 0.0.4 (prometheus-cpp's TextSerializer) or OpenMetrics with
// the exemplars `exemplars` gives. Label values are made valid UTF-8
// (sanitize_utf8).
std::string render_exposition(std::initializer_list<prometheus::Collectable const*> sources,
                              ExpositionFormat format = ExpositionFormat::text_0_0_4,
                              ExemplarLookup const& exemplars = {});

}  // namespace cos_exporter
