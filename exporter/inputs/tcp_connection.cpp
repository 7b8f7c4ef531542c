#include "tcp_connection.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cstring>

#include "cos_exporter/common/log.hpp"
#include "tcp_input.hpp"

namespace cos_exporter {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Room for a frame's start (a whole frame at most, with its header) and 16 KiB
// more to read into.
std::size_t buffer_bytes(std::size_t max_line_bytes) {
  return max_line_bytes + FrameDecoder::kMaxHeaderBytes + 16 * 1024;
}

TcpClose reason_of(error_code const& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return TcpClose::eof;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) return TcpClose::reset;
  return TcpClose::error;
}

}  // namespace

TcpConnection::TcpConnection(std::shared_ptr<TcpInput> input, Socket socket,
                             std::shared_ptr<asio::ssl::context> const& tls, std::string peer)
    : input_(std::move(input)),
      peer_(std::move(peer)),
      decoder_(input_->config_.framing, input_->max_line_bytes_),
      idle_timer_(input_->io_) {
  if (tls)
    tls_.emplace(std::move(socket), *tls);
  else
    plain_.emplace(std::move(socket));
}

void TcpConnection::start() {
  last_read_ = std::chrono::steady_clock::now();
  arm_idle_timer();
  if (!tls_) {
    read();
    return;
  }
  tls_->async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
    if (self->closed_) return;
    if (ec) {
      self->close(TcpClose::tls_handshake, ec.message());
      return;
    }
    self->read();
  });
}

std::size_t TcpConnection::free_space() noexcept {
  std::size_t const wanted = buffer_bytes(input_->max_line_bytes_);
  if (capacity_ < wanted) {
    // The first read, or max_line_bytes grew: a bigger buffer, once.
    // Default-initialized: pages not yet written take no memory.
    std::unique_ptr<char[]> bigger(new (std::nothrow) char[wanted]);
    if (bigger) {
      if (end_ > 0) std::memcpy(bigger.get(), buffer_.get(), end_);
      buffer_ = std::move(bigger);
      capacity_ = wanted;
    }
  }
  return capacity_ > end_ ? capacity_ - end_ : 0;
}

void TcpConnection::read() {
  std::size_t room = free_space();
  if (room == 0) {
    close(TcpClose::error, "cannot allocate the read buffer");
    return;
  }
  reading_ = true;
  auto handler = [self = shared_from_this()](error_code ec, std::size_t bytes) {
    self->on_read(ec, bytes);
  };
  auto buffer = asio::buffer(buffer_.get() + end_, room);
  if (tls_)
    tls_->async_read_some(buffer, std::move(handler));
  else
    plain_->async_read_some(buffer, std::move(handler));
}

void TcpConnection::on_read(error_code ec, std::size_t bytes) noexcept {
  reading_ = false;
  if (closed_) return;
  if (bytes > 0) {
    last_read_ = std::chrono::steady_clock::now();
    if (!take(bytes)) return;
  }
  if (ec) {
    if (ec != asio::error::operation_aborted) close(reason_of(ec), ec.message());
    return;
  }
  read();
}

bool TcpConnection::take(std::size_t bytes) noexcept {
  end_ += bytes;
  decoder_.set_max_frame_bytes(input_->max_line_bytes_);  // a reload may change them
  decoder_.set_framing(input_->config_.framing);
  auto result = decoder_.decode({buffer_.get(), end_}, *this);
  if (result.framing_error) {
    input_->counters_.bad_length->add(1);
    close(TcpClose::framing_error, "a frame's length is not a decimal octet count");
    return false;
  }
  if (result.used > 0) {
    std::memmove(buffer_.get(), buffer_.get() + result.used, end_ - result.used);
    end_ -= result.used;
  }
  return true;
}

void TcpConnection::frame(std::string_view frame) noexcept {
  input_->processor_.process_line(frame);
}

void TcpConnection::too_long() noexcept {
  input_->processor_.count_too_long();
}

void TcpConnection::arm_idle_timer() {
  std::int64_t const timeout_ms = input_->config_.idle_timeout_ms;
  if (timeout_ms <= 0) return;
  auto const timeout = std::chrono::milliseconds(timeout_ms);
  auto const deadline = last_read_ + timeout;
  idle_timer_.expires_at(deadline);
  idle_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_) return;
    auto const idle_for = std::chrono::steady_clock::now() - self->last_read_;
    if (idle_for >= std::chrono::milliseconds(self->input_->config_.idle_timeout_ms))
      self->close(TcpClose::idle_timeout);
    else
      self->arm_idle_timer();
  });
}

void TcpConnection::drain_and_close() noexcept {
  if (closed_) return;
  error_code ec;
  socket().non_blocking(true, ec);
  socket().cancel(ec);  // the pending read ends (its handler finds the connection closed)
  while (!closed_) {
    std::size_t room = free_space();
    if (room == 0) break;
    auto buffer = asio::buffer(buffer_.get() + end_, room);
    std::size_t bytes = tls_ ? tls_->read_some(buffer, ec) : plain_->read_some(buffer, ec);
    if (bytes > 0 && !take(bytes)) return;
    if (ec) break;
  }
  if (!closed_) close(TcpClose::shutdown);
}

void TcpConnection::close(TcpClose reason, std::string const& error) noexcept {
  if (closed_) return;
  closed_ = true;
  TcpCounters const& counters = input_->counters_;
  bool const cut = end_ > 0 || !decoder_.at_frame_boundary();
  if (cut && reason != TcpClose::framing_error) counters.truncated->add(1);
  counters.closed_by(reason).add(1);
  std::string const why = kTcpCloseReasons[static_cast<int>(reason)];
  if (cut || reason == TcpClose::framing_error || reason == TcpClose::tls_handshake) {
    std::uint64_t suppressed = 0;
    if (input_->close_log_.allow(suppressed))
      log_warn(cut && reason != TcpClose::framing_error
                   ? "connection closed inside a frame; its bytes are not counted"
                   : "connection closed",
               {{"input", input_->config_.name},
                {"peer", peer_},
                {"reason", why},
                {"error", error},
                {"suppressed", std::to_string(suppressed)}});
  } else {
    log_debug("connection closed",
              {{"input", input_->config_.name}, {"peer", peer_}, {"reason", why}});
  }
  error_code ignored;
  idle_timer_.cancel();
  socket().shutdown(Socket::shutdown_both, ignored);
  socket().close(ignored);
  input_->forget(this);
}

}  // namespace cos_exporter
