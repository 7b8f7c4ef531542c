#pragma once

#include <string_view>

namespace cos_exporter {

// The formats /metrics speaks: Prometheus text 0.0.4 (the default) and
// OpenMetrics text, which alone carries exemplars.
enum class ExpositionFormat { text_0_0_4, openmetrics_1_0_0, openmetrics_0_0_1 };

// The format an Accept header asks for, by q-value; OpenMetrics wins a tie.
// "application/openmetrics-text" without a version means 1.0.0; a version
// this exporter does not speak, or no usable header, gives text 0.0.4.
ExpositionFormat negotiate_exposition_format(std::string_view accept) noexcept;

std::string_view content_type_of(ExpositionFormat format) noexcept;

}  // namespace cos_exporter
