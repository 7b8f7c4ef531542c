#include "gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "header_list.hpp"

namespace cos_exporter {

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip_q;
  std::optional<double> star_q;
  for_each_header_element(accept_encoding, [&](std::string_view coding, std::string_view params) {
    if (iequals_ascii(coding, "gzip") || iequals_ascii(coding, "x-gzip")) {
      double q = header_q_value(params);
      gzip_q = gzip_q ? std::max(*gzip_q, q) : q;
    } else if (coding == "*") {
      star_q = header_q_value(params);
    }
  });
  if (gzip_q) return *gzip_q > 0;
  return star_q && *star_q > 0;
}

std::string gzip_compress(std::string_view data, int level) {
  if (data.size() > std::numeric_limits<uInt>::max())
    throw std::length_error("gzip: input too large");
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  std::size_t written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  out.resize(written);
  return out;
}

std::optional<std::string> gzip_decompress(std::string_view data, std::size_t max_output) {
  if (data.size() > std::numeric_limits<uInt>::max()) return std::nullopt;
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return std::nullopt;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    std::size_t produced = sizeof chunk - stream.avail_out;
    if (out.size() + produced > max_output) {
      rc = Z_BUF_ERROR;
      break;
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && stream.avail_in == 0) {
      rc = Z_BUF_ERROR;  // truncated: no input left and no end of stream
      break;
    }
  }
  bool trailing = stream.avail_in != 0;
  inflateEnd(&stream);
  if (rc != Z_STREAM_END || trailing) return std::nullopt;
  return out;
}

}  // namespace cos_exporter
