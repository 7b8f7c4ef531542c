#pragma once

#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace cos_exporter::otlp {

// A gzip request body inflated into a buffer of at most `limit` bytes: the
// inflating stops at the limit, so a small body that would inflate to
// gigabytes (a gzip bomb) costs no more than `limit` bytes and the time to
// write them. Members of a multi-member body are inflated one after another.
struct Inflated {
  enum class Status : std::uint8_t { ok, too_large, corrupt };
  Status status = Status::ok;
  std::string_view data;  // ok: the inflated bytes, valid until the next call
};

class BoundedInflater {
 public:
  BoundedInflater();
  ~BoundedInflater();
  BoundedInflater(BoundedInflater const&) = delete;
  BoundedInflater& operator=(BoundedInflater const&) = delete;

  Inflated inflate(std::string_view gzip, std::size_t limit) noexcept;

 private:
  z_stream stream_{};
  bool ready_ = false;
  std::string out_;
};

}  // namespace cos_exporter::otlp
