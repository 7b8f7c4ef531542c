#pragma once

#include <cstdint>
#include <string_view>

namespace cos_exporter {

// Strict decimal integers as every input and config value takes them: the
// whole text is digits, with an optional leading '-' for the signed form only.
// No '+', no spaces, no hex. False on overflow.
bool parse_integer(std::string_view text, std::int64_t& out) noexcept;
bool parse_integer(std::string_view text, std::uint64_t& out) noexcept;

}  // namespace cos_exporter
