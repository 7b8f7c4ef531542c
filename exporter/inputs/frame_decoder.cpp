#include "frame_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace cos_exporter {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The first '\n' or NUL in `data`, or data.size().
std::size_t delimiter_in(std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i)
    if (data[i] == '\n' || data[i] == '\0') return i;
  return data.size();
}

enum class Header { octet_counting, newline, incomplete, bad };

// What the bytes at a frame's start say. `length` and `header_bytes` are set
// for octet counting.
Header read_header(std::string_view data, TcpFraming framing, std::uint64_t& length,
                   std::size_t& header_bytes) {
  if (framing == TcpFraming::newline) return Header::newline;
  bool const forced = framing == TcpFraming::octet_counting;
  std::size_t digits = 0;
  std::uint64_t value = 0;
  while (digits < data.size() && is_digit(data[digits]) && digits < FrameDecoder::kMaxHeaderBytes) {
    value = value * 10 + static_cast<std::uint64_t>(data[digits] - '0');
    ++digits;
  }
  if (digits == 0) return forced ? Header::bad : Header::newline;
  if (digits == data.size()) return Header::incomplete;
  if (data[digits] != ' ' || digits > FrameDecoder::kMaxHeaderBytes - 1)
    return forced || data[digits] == ' ' ? Header::bad : Header::newline;
  if (data[0] == '0') return Header::bad;  // "0 " and leading zeros: not a length
  length = value;
  header_bytes = digits + 1;
  return Header::octet_counting;
}

// An octet-counted message without the newline (or NUL) some senders end it with.
std::string_view trim_trailer(std::string_view message) {
  if (!message.empty() && (message.back() == '\n' || message.back() == '\0'))
    message.remove_suffix(1);
  return message;
}

}  // namespace

FrameDecoder::Result FrameDecoder::decode(std::string_view data, Sink& sink) noexcept {
  std::size_t at = 0;
  while (at < data.size()) {
    std::string_view rest = data.substr(at);
    switch (state_) {
      case State::skip_count: {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_left_, rest.size()));
        at += n;
        skip_left_ -= n;
        if (skip_left_ == 0) state_ = State::frame_start;
        continue;
      }
      case State::skip_to_delimiter: {
        std::size_t end = delimiter_in(rest);
        if (end == rest.size()) return {data.size(), false};
        after_nul_ = rest[end] == '\0';
        at += end + 1;
        state_ = State::frame_start;
        continue;
      }
      case State::frame_start:
        break;
    }
    if (after_nul_) {
      after_nul_ = false;
      if (rest.front() == '\n') {
        ++at;
        continue;
      }
    }
    std::uint64_t length = 0;
    std::size_t header_bytes = 0;
    switch (read_header(rest, framing_, length, header_bytes)) {
      case Header::bad:
        return {at, true};
      case Header::incomplete:
        return {at, false};
      case Header::octet_counting:
        if (length > max_frame_bytes_) {
          sink.too_long();
          at += header_bytes;
          skip_left_ = length;
          state_ = State::skip_count;
          continue;
        }
        if (rest.size() - header_bytes < length) return {at, false};
        sink.frame(trim_trailer(rest.substr(header_bytes, length)));
        at += header_bytes + length;
        continue;
      case Header::newline: {
        std::size_t end = delimiter_in(rest);
        if (end > max_frame_bytes_) {
          sink.too_long();
          state_ = State::skip_to_delimiter;
          // The bytes up to the bound are the frame's; what follows is skipped
          // to the delimiter (in this call when it is here).
          at += max_frame_bytes_ + 1;
          continue;
        }
        if (end == rest.size()) return {at, false};
        after_nul_ = rest[end] == '\0';
        sink.frame(rest.substr(0, end));
        at += end + 1;
        continue;
      }
    }
  }
  return {at, false};
}

}  // namespace cos_exporter
