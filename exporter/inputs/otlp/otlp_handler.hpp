#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bounded_inflate.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "otlp_decoder.hpp"

namespace cos_exporter::otlp {

// What one request is answered with.
struct Answer {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  bool retry_after = false;  // 503: Retry-After, the sender should try again
};

// What a request is, as the HTTP session read it.
struct Request {
  std::string_view method;
  std::string_view target;
  std::string_view content_type;
  std::string_view content_encoding;
  std::string_view body;
};

// The answers of OTLP/HTTP logs (the OTLP specification, "OTLP/HTTP"): a
// request to POST /v1/logs in a known encoding is inflated (gzip), decoded
// whole, and each of its log records is counted: 200 with an
// ExportLogsServiceResponse in the request's encoding, whose partial_success
// names the records that counted no event. Every error answer carries a
// google.rpc.Status in the request's encoding (binary protobuf when that is
// unknown). Nothing is counted for a request answered with an error.
class RequestHandler {
 public:
  RequestHandler(LineProcessor& processor, CountingHub& hub, std::size_t max_body_bytes);

  Answer handle(Request const& request) noexcept;
  // What can be told from the head alone (path, method, Content-Type,
  // Content-Encoding): false with the error answer, before a body is read.
  bool check_head(Request const& request, Answer& answer) noexcept;
  void set_max_body_bytes(std::size_t bytes) noexcept {
    max_body_bytes_ = bytes;
    decoder_.set_max_body_bytes(bytes);
  }

  // 413 for a body past max_body_bytes, as it arrives (not yet read whole).
  static Answer too_large(std::string_view content_type, std::size_t max_body_bytes);
  // 503 + Retry-After: every connection the input takes is in use.
  static Answer overloaded(std::string_view content_type);
  // 400 for a request HTTP itself cannot read.
  static Answer bad_request(std::string_view content_type, std::string const& why);

  // The records of the requests answered 200, by what they counted as.
  struct Tally {
    std::uint64_t records = 0;
    std::uint64_t events = 0;
  };
  Tally const& tally() const { return tally_; }

 private:
  Answer accept(Encoding encoding, std::string_view body) noexcept;

  LineProcessor& processor_;
  CountingHub& hub_;
  std::size_t max_body_bytes_;
  Decoder decoder_;
  BoundedInflater inflater_;
  Tally tally_;
};

// The encoding a Content-Type names ("application/x-protobuf",
// "application/json", parameters ignored), or false.
bool encoding_of(std::string_view content_type, Encoding& encoding) noexcept;

}  // namespace cos_exporter::otlp
