#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cos_exporter/config/tcp_input_config.hpp"

namespace cos_exporter {

// Where a stream's frames end, one connection's worth of state (RFC 6587):
//  - octet counting: "LEN SP MSG", LEN a decimal without a leading zero, at
//    most 10 digits; one trailing '\n' (or NUL) inside MSG is dropped;
//  - newline: MSG ends at '\n' or at NUL (Python's SysLogHandler ends each
//    message with a NUL and no newline); a '\r' before the '\n' is dropped by
//    the line processor; a '\n' right after a NUL-ended frame belongs to it;
//  - auto: decided per frame by its first bytes: digits followed by a space
//    are octet counting, anything else is newline framing.
// A frame longer than max_frame_bytes is reported once (too_long) and skipped
// to its end, which the framing always knows: LEN bytes, or the next
// delimiter; the stream carries on. A length that is not one (no digits, a
// leading zero, 0, more than 10 digits, no space after the digits in
// octet-counting mode) is a framing error: where the next frame starts cannot
// be known, so the caller closes the connection.
class FrameDecoder {
 public:
  // What the decoder hands on; frames point into the bytes given to decode.
  class Sink {
   public:
    virtual void frame(std::string_view frame) noexcept = 0;
    virtual void too_long() noexcept = 0;

   protected:
    ~Sink() = default;
  };

  struct Result {
    std::size_t used = 0;        // bytes of `data` consumed; the rest begins a frame
    bool framing_error = false;  // the stream cannot be framed: close it
  };

  // The longest header: 10 digits and the space.
  static constexpr std::size_t kMaxHeaderBytes = 11;

  FrameDecoder(TcpFraming framing, std::size_t max_frame_bytes) noexcept
      : framing_(framing), max_frame_bytes_(max_frame_bytes) {}

  // Decodes the complete frames at the start of `data`. The unused rest is a
  // frame's beginning, at most max_frame_bytes + kMaxHeaderBytes long: give it
  // again, followed by more bytes. After a framing error, call no more.
  Result decode(std::string_view data, Sink& sink) noexcept;

  // True when no frame has begun: a close here cuts no frame short (the
  // caller's unused bytes must be empty too).
  bool at_frame_boundary() const noexcept { return state_ == State::frame_start; }

  void set_max_frame_bytes(std::size_t bytes) noexcept { max_frame_bytes_ = bytes; }
  void set_framing(TcpFraming framing) noexcept { framing_ = framing; }

 private:
  enum class State { frame_start, skip_count, skip_to_delimiter };

  TcpFraming framing_;
  std::size_t max_frame_bytes_;
  State state_ = State::frame_start;
  std::uint64_t skip_left_ = 0;  // skip_count: bytes of a too long frame still to skip
  bool after_nul_ = false;       // the last frame ended at a NUL: a '\n' next belongs to it
};

}  // namespace cos_exporter
