#include "gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace cos_exporter {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The q-value of one "coding;param;q=0.5" element: 1 when absent, 0 when it
// does not parse (a malformed weight must not turn compression on).
double q_value(std::string_view params) {
  while (!params.empty()) {
    auto semicolon = params.find(';');
    std::string_view param = trim(params.substr(0, semicolon));
    params =
        semicolon == std::string_view::npos ? std::string_view() : params.substr(semicolon + 1);
    auto equals = param.find('=');
    if (equals == std::string_view::npos || !iequals(trim(param.substr(0, equals)), "q")) continue;
    std::string_view value = trim(param.substr(equals + 1));
    double q = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) return 0;
    return q;
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip_q;
  std::optional<double> star_q;
  while (!accept_encoding.empty()) {
    auto comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    auto semicolon = element.find(';');
    std::string_view coding = trim(element.substr(0, semicolon));
    std::string_view params =
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      double q = q_value(params);
      gzip_q = gzip_q ? std::max(*gzip_q, q) : q;
    } else if (coding == "*") {
      star_q = q_value(params);
    }
  }
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
