#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <memory>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/datagram_receiver.hpp"
#include "cos_exporter/intake/line_processor.hpp"

namespace cos_exporter {

// Receives events over UDP (IPv4 or IPv6), several lines per datagram.
// Sources outside `allow` are dropped and counted; kernel drops are read
// from SO_RXQ_OVFL.
class UdpInput : public std::enable_shared_from_this<UdpInput> {
 public:
  UdpInput(boost::asio::io_context& io, UdpInputConfig config, CountingHub& hub,
           std::size_t max_line_bytes);

  // Binds the socket; throws std::runtime_error naming the input and address.
  void start();
  // Reads what is still queued, then closes the socket: every datagram that
  // reached it is counted, as received or as a kernel drop.
  void stop();
  // Takes over the settings of `config`, whose `listen` is this input's,
  // keeping the socket and what is queued in it. `parser` is the new
  // config's, built by the caller (where building can still fail harmlessly).
  void reconfigure(UdpInputConfig config, LineParser parser);

  UdpInputConfig const& config() const { return config_; }
  std::string local_address() const;  // "127.0.0.1:PORT" once started
  LineProcessor const& processor() const { return processor_; }
  std::uint64_t packets() const { return receiver_.packets(); }
  // Brings cos_error_exporter_udp_kernel_drops_total up to date (before a scrape).
  void sync_kernel_drops() {
    if (socket_.is_open()) receiver_.sync_kernel_drops(socket_.native_handle());
  }

 private:
  bool allowed(sockaddr const* source) const noexcept;

  boost::asio::io_context& io_;
  CountingHub& hub_;
  UdpInputConfig config_;
  boost::asio::ip::udp::socket socket_;
  LineProcessor processor_;
  DatagramReceiver receiver_;
  CounterCell* denied_;
};

}  // namespace cos_exporter
