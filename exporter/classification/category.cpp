#include "cos_exporter/classification/category.hpp"

#include <array>

namespace cos_exporter {
namespace {

constexpr std::array<std::string_view, kCategoryCount> kCategoryLabels = {
    "sdk",        "download",    "http", "business", "proxy",   "cmd",
    "file_cache", "file_plugin", "cgi",  "oss",      "unknown",
};

}  // namespace

std::string_view to_string(Category category) {
  return kCategoryLabels[static_cast<std::size_t>(category)];
}

std::optional<Category> parse_category(std::string_view label) {
  for (std::size_t i = 0; i + 1 < kCategoryCount; ++i)
    if (kCategoryLabels[i] == label) return static_cast<Category>(i);
  return std::nullopt;
}

std::string_view to_string(Kind kind) {
  return kind == Kind::success ? "success" : "error";
}

std::optional<Kind> parse_kind(std::string_view label) {
  if (label == "success") return Kind::success;
  if (label == "error") return Kind::error;
  return std::nullopt;
}

}  // namespace cos_exporter
