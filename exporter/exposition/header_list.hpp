#pragma once

#include <optional>
#include <string_view>

namespace cos_exporter {

// Reading comma-separated HTTP header lists such as Accept and
// Accept-Encoding, whose elements look like "token;param=value;q=0.5".

std::string_view trim_header_space(std::string_view text) noexcept;
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;

// Calls `f(token, params)` for each element: the token trimmed, `params` what
// follows its first ';' (empty when none).
template <typename F>
void for_each_header_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    auto semicolon = element.find(';');
    std::string_view params =
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    f(trim_header_space(element.substr(0, semicolon)), params);
  }
}

// The value of parameter `name` (case-insensitive) in an element's params,
// trimmed and without surrounding quotes; nullopt when absent.
std::optional<std::string_view> header_param(std::string_view params,
                                             std::string_view name) noexcept;

// The q-value of an element's params: 1 when absent, 0 when it does not
// parse (a malformed weight must not choose anything).
double header_q_value(std::string_view params) noexcept;

}  // namespace cos_exporter
