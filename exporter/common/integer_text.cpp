#include "cos_exporter/common/integer_text.hpp"

#include <charconv>

namespace cos_exporter {
namespace {

template <typename Integer>
bool parse_whole(std::string_view text, Integer& out) noexcept {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool parse_integer(std::string_view text, std::int64_t& out) noexcept {
  if (text.empty() || text.front() == '+') return false;
  return parse_whole(text, out);
}

bool parse_integer(std::string_view text, std::uint64_t& out) noexcept {
  if (text.empty() || text.front() == '+' || text.front() == '-') return false;
  return parse_whole(text, out);
}

}  // namespace cos_exporter
