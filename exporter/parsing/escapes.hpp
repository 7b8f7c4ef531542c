#pragma once

#include <cstddef>
#include <string_view>

namespace cos_exporter {

// Quoted values as their writers meant them. Each writes the decoded text to
// `out`, which has room for body.size() bytes (no escape decodes to more
// bytes than it is written with), and returns its size. An escape that the
// writer's own reader would refuse, or that would give something other than
// UTF-8 text, is kept as written.

// The body of a Python string literal (between its quotes): \\ \' \" \a \b \f
// \n \r \t \v, octal \ooo, \xhh, \uXXXX, \UXXXXXXXX (code points, written as
// UTF-8). A bytes literal (b'...') decodes only what stays ASCII, keeping
// \xNN of a byte above 0x7f as written. A raw literal (r'...') is taken as is.
std::size_t decode_python_string(std::string_view body, bool bytes, char* out) noexcept;

// The body of a quoted logfmt value, as go-logfmt (and encoding/json) reads
// it: \" \\ \/ \' \b \f \n \r \t and \uXXXX (with UTF-16 surrogate pairs).
std::size_t decode_logfmt_string(std::string_view body, char* out) noexcept;

}  // namespace cos_exporter
