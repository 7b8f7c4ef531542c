#pragma once

#include <string>
#include <string_view>

namespace cos_exporter {

// Outside bytes (file names, user names, config text, messages) reach label
// values, log lines and the landing page, which must be UTF-8. Prometheus
// rejects a whole scrape for one invalid label value.

bool is_valid_utf8(std::string_view text) noexcept;

// Appends `text` with every byte that is not part of a valid UTF-8 sequence
// written as \xNN (two lowercase hex digits, as the state file spells path
// bytes); valid text, backslashes included, is appended unchanged.
void append_sanitized_utf8(std::string& out, std::string_view text);

// `text` as append_sanitized_utf8 writes it.
std::string sanitize_utf8(std::string_view text);

}  // namespace cos_exporter
