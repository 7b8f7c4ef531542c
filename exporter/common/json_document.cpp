#include "cos_exporter/common/json_document.hpp"

namespace cos_exporter {

std::optional<ParseFailure> JsonDocument::parse(std::string_view text) {
  simdjson::padded_string padded(text);
  if (auto code = parser_.parse(padded).get(root_); code != simdjson::SUCCESS)
    return ParseFailure{std::string("not JSON or truncated: ") + simdjson::error_message(code)};
  return std::nullopt;
}

}  // namespace cos_exporter
