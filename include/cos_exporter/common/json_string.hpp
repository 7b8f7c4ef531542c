#pragma once

#include <string>
#include <string_view>

namespace cos_exporter {

// Appends `value` as a double-quoted JSON string (also valid logfmt quoting):
// quotes, backslashes and control bytes escaped, UTF-8 kept as it is, and
// bytes that are not valid UTF-8 written as \xNN (sanitize_utf8), so the
// result is valid JSON whatever `value` holds.
void append_json_string(std::string& out, std::string_view value);

}  // namespace cos_exporter
