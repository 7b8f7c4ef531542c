#include "cos_exporter/exposition/exposition_format.hpp"

#include <algorithm>

#include "header_list.hpp"

namespace cos_exporter {

ExpositionFormat negotiate_exposition_format(std::string_view accept) noexcept {
  double best_q = 0;
  ExpositionFormat best = ExpositionFormat::text_0_0_4;
  for_each_header_element(accept, [&](std::string_view type, std::string_view params) {
    if (!iequals_ascii(type, "application/openmetrics-text")) return;
    auto version = header_param(params, "version");
    ExpositionFormat format;
    if (!version || *version == "1.0.0")
      format = ExpositionFormat::openmetrics_1_0_0;
    else if (*version == "0.0.1")
      format = ExpositionFormat::openmetrics_0_0_1;
    else
      return;
    double q = header_q_value(params);
    if (q > best_q) {
      best_q = q;
      best = format;
    }
  });
  if (best == ExpositionFormat::text_0_0_4) return best;
  // Text wins only when the client says it prefers it.
  double text_q = 0;
  for_each_header_element(accept, [&](std::string_view type, std::string_view params) {
    if (iequals_ascii(type, "text/plain")) {
      auto version = header_param(params, "version");
      if (!version || *version == "0.0.4") text_q = std::max(text_q, header_q_value(params));
    }
  });
  return text_q > best_q ? ExpositionFormat::text_0_0_4 : best;
}

std::string_view content_type_of(ExpositionFormat format) noexcept {
  switch (format) {
    case ExpositionFormat::openmetrics_1_0_0:
      return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case ExpositionFormat::openmetrics_0_0_1:
      return "application/openmetrics-text; version=0.0.1; charset=utf-8";
    case ExpositionFormat::text_0_0_4:
      break;
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

}  // namespace cos_exporter
