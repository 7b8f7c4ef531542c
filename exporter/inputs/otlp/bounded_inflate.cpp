#include "bounded_inflate.hpp"

#include <algorithm>

namespace cos_exporter::otlp {

BoundedInflater::BoundedInflater() {
  // 16 + MAX_WBITS: a gzip header and trailer, not zlib's.
  ready_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
}

BoundedInflater::~BoundedInflater() {
  if (ready_) inflateEnd(&stream_);
}

Inflated BoundedInflater::inflate(std::string_view gzip, std::size_t limit) noexcept {
  using Status = Inflated::Status;
  if (!ready_ || inflateReset(&stream_) != Z_OK) return {Status::corrupt, {}};
  constexpr std::size_t kStep = 64 * 1024;
  std::size_t produced = 0;
  try {
    // One byte past the limit tells "exactly the limit" from "more".
    out_.resize(std::min(limit + 1, std::max(kStep, gzip.size() * 4)));
  } catch (...) {
    return {Status::too_large, {}};
  }
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  stream_.avail_in = static_cast<uInt>(gzip.size());
  for (;;) {
    if (produced == out_.size()) {
      if (produced > limit) return {Status::too_large, {}};
      try {
        out_.resize(std::min(limit + 1, out_.size() * 2));
      } catch (...) {
        return {Status::too_large, {}};
      }
    }
    stream_.next_out = reinterpret_cast<Bytef*>(out_.data() + produced);
    stream_.avail_out = static_cast<uInt>(out_.size() - produced);
    int result = ::inflate(&stream_, Z_NO_FLUSH);
    produced = out_.size() - stream_.avail_out;
    if (produced > limit) return {Status::too_large, {}};
    if (result == Z_STREAM_END) {
      if (stream_.avail_in == 0) return {Status::ok, {out_.data(), produced}};
      // Another gzip member follows.
      if (inflateReset(&stream_) != Z_OK) return {Status::corrupt, {}};
      continue;
    }
    if (result == Z_BUF_ERROR && stream_.avail_out != 0) return {Status::corrupt, {}};  // cut short
    if (result != Z_OK && result != Z_BUF_ERROR) return {Status::corrupt, {}};
  }
}

}  // namespace cos_exporter::otlp
