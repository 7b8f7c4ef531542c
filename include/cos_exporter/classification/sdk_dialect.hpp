#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cos_exporter {

// Whose meaning the client-side codes (-1..-4) have. The error-code document
// gives the old C++ SDK's; the other v4 SDKs use the same numbers for other
// things. Catalog entries marked with a dialect name the code for inputs of
// that dialect; every other entry applies to all of them.
enum class SdkDialect : std::uint8_t { document, java, python, php, cpp, nodejs };

inline constexpr std::size_t kSdkDialectCount = 6;

std::string_view to_string(SdkDialect dialect);
// document|java|python|php|cpp|nodejs
std::optional<SdkDialect> parse_sdk_dialect(std::string_view text);

}  // namespace cos_exporter
