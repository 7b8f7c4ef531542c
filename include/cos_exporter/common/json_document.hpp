#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "cos_exporter/common/parse_failure.hpp"

namespace cos_exporter {

// A JSON text parsed with simdjson. The elements handed out live as long as
// this object (simdjson's DOM points into its parser).
class JsonDocument {
 public:
  // nullopt when `text` is a whole JSON document.
  std::optional<ParseFailure> parse(std::string_view text);
  simdjson::dom::element root() const { return root_; }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace cos_exporter
