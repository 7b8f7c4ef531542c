#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <memory>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/datagram_receiver.hpp"
#include "cos_exporter/intake/line_processor.hpp"

namespace cos_exporter {

// Receives events on a unix datagram socket. Local senders block (or get
// EAGAIN) when the queue is full instead of losing datagrams. A stale socket
// file left by a dead process is replaced; a live one is an error.
class UnixgramInput : public std::enable_shared_from_this<UnixgramInput> {
 public:
  UnixgramInput(boost::asio::io_context& io, UnixgramInputConfig config, CountingHub& hub,
                std::size_t max_line_bytes);

  void start();  // throws std::runtime_error naming the input and path
  // Stops taking datagrams (senders get EPIPE), reads what is still queued,
  // then closes the socket and removes its file.
  void stop();
  // Takes over the settings of `config`, whose `path` is this input's,
  // keeping the socket and what is queued in it. `parser` is the new
  // config's, built by the caller (where building can still fail harmlessly).
  void reconfigure(UnixgramInputConfig config, LineParser parser);

  UnixgramInputConfig const& config() const { return config_; }
  LineProcessor const& processor() const { return processor_; }
  std::uint64_t packets() const { return receiver_.packets(); }
  // Brings cos_error_exporter_udp_kernel_drops_total up to date (before a scrape).
  void sync_kernel_drops() {
    if (socket_.is_open()) receiver_.sync_kernel_drops(socket_.native_handle());
  }

 private:
  void apply_mode();

  boost::asio::io_context& io_;
  CountingHub& hub_;
  UnixgramInputConfig config_;
  boost::asio::local::datagram_protocol::socket socket_;
  LineProcessor processor_;
  DatagramReceiver receiver_;
  bool bound_ = false;
};

}  // namespace cos_exporter
