#pragma once

#include <span>
#include <string>

#include "cos_exporter/classification/sdk_dialect.hpp"

namespace cos_exporter {

// "java,python": the SDK dialects of a catalog entry as the CLI prints them.
inline std::string sdk_list(std::span<SdkDialect const> sdks) {
  std::string text;
  for (SdkDialect sdk : sdks) {
    if (!text.empty()) text += ',';
    text += to_string(sdk);
  }
  return text;
}

}  // namespace cos_exporter
