#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// The sources of a spike: the extra labels of a config (static, path and event
// labels) split one code's or group's errors into a series per source. The
// recording rules sum them away, so that an alert stays one per code or group,
// and the alert's description names the busiest sources instead.

// The extra label names of a config in the order a description shows them:
// the inputs' static labels (sorted), then the path labels (in the order of
// their regex), then the event labels (in config order); each once. Empty
// when the config has none.
std::vector<std::string> source_label_names(Config const& config);

// "a, b, c": label names as PromQL's `by` and `without` take them.
std::string label_list(std::vector<std::string> const& names);

// The labels the recording rules sum away: the labels that tell exporter
// instances apart, then every source label that is not one of them.
std::string summed_away_labels(std::vector<std::string> const& sources);

// PromQL for the three busiest sources of the series `selector` picks from
// `counter`, by rate over `window`:
// topk(3, sum by (<sources>) (rate(<counter><selector>[<window>])) > 0).
std::string top_sources_query(std::vector<std::string> const& sources, std::string_view counter,
                              std::string_view selector, std::string_view window);

// A line for an alert's description, "Top sources: a=x b=y (2.1/s), ...", as a
// Go template that runs `query` on `query_argument` (a raw string of PromQL or
// a printf pipeline in parentheses). A source shows its non-empty labels only,
// and "unlabelled" when it has none; the line is empty when nothing matches.
std::string top_sources_line(std::vector<std::string> const& sources,
                             std::string_view query_argument);

}  // namespace cos_exporter
