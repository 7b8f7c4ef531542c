#include "header_list.hpp"

#include <cctype>
#include <charconv>

namespace cos_exporter {

std::string_view trim_header_space(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<std::string_view> header_param(std::string_view params,
                                             std::string_view name) noexcept {
  while (!params.empty()) {
    auto semicolon = params.find(';');
    std::string_view param = trim_header_space(params.substr(0, semicolon));
    params =
        semicolon == std::string_view::npos ? std::string_view() : params.substr(semicolon + 1);
    auto equals = param.find('=');
    if (equals == std::string_view::npos ||
        !iequals_ascii(trim_header_space(param.substr(0, equals)), name))
      continue;
    std::string_view value = trim_header_space(param.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

double header_q_value(std::string_view params) noexcept {
  auto value = header_param(params, "q");
  if (!value) return 1;
  double q = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), q);
  if (value->empty() || ec != std::errc() || end != value->data() + value->size()) return 0;
  return q;
}

}  // namespace cos_exporter
