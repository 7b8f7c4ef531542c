#pragma once

#include <string>
#include <string_view>

namespace cos_exporter {

// Appends `value` as a double-quoted JSON string (also valid logfmt quoting):
// quotes, backslashes and control bytes escaped, UTF-8 kept as it is.
void append_json_string(std::string& out, std::string_view value);

}  // namespace cos_exporter
