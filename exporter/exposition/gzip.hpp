#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cos_exporter {

// True when an Accept-Encoding header value lets the response be gzipped:
// "gzip" or "x-gzip" (or "*" when gzip is not named) with a q-value above 0.
// Codings are case-insensitive; "gzip;q=0" refuses gzip.
bool accepts_gzip(std::string_view accept_encoding);

// Deflate with a gzip header and trailer (RFC 1952), as Content-Encoding: gzip
// needs. `level` is zlib's 1 (fast) .. 9 (small).
std::string gzip_compress(std::string_view data, int level = 6);

// Inflates a gzip stream; nullopt when it is not valid gzip, is truncated, or
// would inflate to more than `max_output` bytes.
std::optional<std::string> gzip_decompress(std::string_view data,
                                           std::size_t max_output = 256u << 20);

}  // namespace cos_exporter
