#pragma once

#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/exposition/openmetrics_serializer.hpp"

namespace cos_exporter {

// The exemplars of cos_errors_total's series, for serialize_openmetrics.
// Holds `hub` by reference; call it while the hub lives, on its thread.
ExemplarLookup error_exemplars(CountingHub const& hub);

}  // namespace cos_exporter
