#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <unordered_set>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/input.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "tcp_counters.hpp"

namespace cos_exporter {

class TcpConnection;

// Receives events over TCP (optionally TLS), one message per frame
// (frame_decoder.hpp). Every connection is read on the io_context's thread,
// one buffer at a time: the next read is issued only when the frames read are
// counted, so an exporter that cannot keep up stops reading, the kernel's
// buffers fill and TCP's flow control slows the sender; no complete frame is
// ever dropped. A reload keeps the listener and its connections (same
// object); stop() closes the listener, reads what every connection has
// received, then closes them.
class TcpInput final : public Input {
 public:
  TcpInput(boost::asio::io_context& io, TcpInputConfig config, CountingHub& hub,
           std::size_t max_line_bytes, TlsContextMaker make_tls);

  void start() override;
  void stop() override;
  InputStatus status() const override;
  void reconfigure(InputConfig const& config, LineParser parser,
                   InputContext const& context) override;

 private:
  friend class TcpConnection;
  void accept_next();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void forget(TcpConnection* connection) noexcept;
  std::string address() const;

  boost::asio::io_context& io_;
  TcpInputConfig config_;
  std::size_t max_line_bytes_;
  TlsContextMaker make_tls_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  LineProcessor processor_;
  TcpCounters counters_;
  std::unordered_set<std::shared_ptr<TcpConnection>> connections_;
  LogRateLimiter refused_log_;
  LogRateLimiter accept_error_log_;
  LogRateLimiter close_log_;
  bool stopped_ = false;
};

}  // namespace cos_exporter
