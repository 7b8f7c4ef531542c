#pragma once

#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter::metric {

inline constexpr char kOtlpRequests[] = "cos_error_exporter_otlp_requests_total";
inline constexpr Definition kOtlpRequestsFamily{
    kOtlpRequests,
    "OTLP/HTTP requests an otlp input answered, by HTTP status: 200 counted (its refused records "
    "in lines_without_event_total or events_malformed_total), any other counted nothing.",
    {"input", "status"}};

}  // namespace cos_exporter::metric
