#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cos_exporter {

// What an exemplar says about a counter series: the labels of the event it
// comes from, the amount that event added and when.
struct Exemplar {
  std::vector<prometheus::ClientMetric::Label> labels;
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

// OpenMetrics caps an exemplar's label names and values together at this
// many UTF-8 characters.
inline constexpr std::size_t kMaxExemplarLabelChars = 128;

// The exemplar of one series of a counter family, if it has one.
using ExemplarLookup = std::function<std::optional<Exemplar>(
    prometheus::MetricFamily const& family, prometheus::ClientMetric const& series)>;

// OpenMetrics text (1.0.0; 0.0.1 is the same text) of `families`, in the
// order given, ending with "# EOF". A counter family is named without its
// "_total" suffix and its samples with it; a gauge family whose name ends in
// "_info" is an info family; untyped is unknown. Label values must already be
// valid UTF-8. An exemplar over kMaxExemplarLabelChars is left out.
std::string serialize_openmetrics(std::vector<prometheus::MetricFamily> const& families,
                                  ExemplarLookup const& exemplars = {});

}  // namespace cos_exporter
