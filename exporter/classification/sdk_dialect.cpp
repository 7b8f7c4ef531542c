#include "cos_exporter/classification/sdk_dialect.hpp"

#include <array>

namespace cos_exporter {
namespace {

constexpr std::array<std::string_view, kSdkDialectCount> kLabels = {
    "document", "java", "python", "php", "cpp", "nodejs",
};

}  // namespace

std::string_view to_string(SdkDialect dialect) {
  return kLabels[static_cast<std::size_t>(dialect)];
}

std::optional<SdkDialect> parse_sdk_dialect(std::string_view text) {
  for (std::size_t i = 0; i < kLabels.size(); ++i)
    if (text == kLabels[i]) return static_cast<SdkDialect>(i);
  return std::nullopt;
}

}  // namespace cos_exporter
