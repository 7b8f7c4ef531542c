#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cos_exporter {

// The sections of the COS v4 error-code document, plus `unknown` for codes the
// catalog does not hold. The label values are part of the metric contract.
enum class Category : std::uint8_t {
  sdk,
  download,
  http,
  business,
  proxy,
  cmd,
  file_cache,
  file_plugin,
  cgi,
  oss,
  unknown,
};

inline constexpr std::size_t kCategoryCount = 11;

std::string_view to_string(Category category);
std::optional<Category> parse_category(std::string_view label);  // `unknown` is not parseable

enum class Kind : std::uint8_t { success, error };

std::string_view to_string(Kind kind);
std::optional<Kind> parse_kind(std::string_view label);

}  // namespace cos_exporter
