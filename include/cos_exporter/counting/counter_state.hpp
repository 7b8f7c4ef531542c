#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cos_exporter/common/parse_failure.hpp"
#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {

// The "counters" section of the state file: every counter series of the
// store, as JSON
//   {"families":[{"name":"cos_errors_total","labels":["category","code","name"],
//     "series":[["proxy","-96","ERROR_PROXY_AUTH_EXPIRED",10],...]}]}
// Each series is its label values followed by its value. Restored values no
// series took up in this run (an unknown code or an extra-label value not
// seen again) are not written: they cannot pile up over restarts, and such a
// series, when it comes back, starts from zero (a reset Prometheus adjusts).
std::string serialize_counters(MetricStore const& store);
// Reads the section.
std::variant<std::vector<MetricStore::RestoredFamily>, ParseFailure> parse_counters(
    std::string_view text);

}  // namespace cos_exporter
