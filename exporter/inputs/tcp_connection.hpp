#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "frame_decoder.hpp"
#include "tcp_counters.hpp"

namespace cos_exporter {

class TcpInput;

// One accepted connection of a tcp input: reads into its own bounded buffer
// (a frame's start and one read's worth), hands each complete frame to the
// input's LineProcessor and only then reads again; closes on EOF, an error,
// a framing error or idle_timeout, and counts why.
class TcpConnection final : public std::enable_shared_from_this<TcpConnection>,
                            private FrameDecoder::Sink {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using TlsStream = boost::asio::ssl::stream<Socket>;

  // `tls`: the input's context, or null for plain TCP.
  TcpConnection(std::shared_ptr<TcpInput> input, Socket socket,
                std::shared_ptr<boost::asio::ssl::context> const& tls, std::string peer);

  void start();
  // The input stops: reads what the kernel holds now (without waiting),
  // counts its frames, then closes (reason shutdown).
  void drain_and_close() noexcept;

 private:
  void read();
  void on_read(boost::system::error_code ec, std::size_t bytes) noexcept;
  // Frames the buffer's bytes; false when the stream cannot be framed.
  bool take(std::size_t bytes) noexcept;
  void arm_idle_timer();
  void close(TcpClose reason, std::string const& error = {}) noexcept;
  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  std::size_t free_space() noexcept;

  void frame(std::string_view frame) noexcept override;
  void too_long() noexcept override;

  std::shared_ptr<TcpInput> input_;
  std::optional<Socket> plain_;
  std::optional<TlsStream> tls_;
  std::string peer_;
  FrameDecoder decoder_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t end_ = 0;  // bytes held: the start of a frame
  boost::asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_read_;
  bool closed_ = false;
  bool reading_ = false;  // a read is outstanding
};

}  // namespace cos_exporter
