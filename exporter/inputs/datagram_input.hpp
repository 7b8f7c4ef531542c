#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/input.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "datagram_receiver.hpp"

namespace cos_exporter {

// The socket protocol of each datagram input's config.
template <typename Config>
struct DatagramProtocol;
template <>
struct DatagramProtocol<UdpInputConfig> {
  using type = boost::asio::ip::udp;
};
template <>
struct DatagramProtocol<UnixgramInputConfig> {
  using type = boost::asio::local::datagram_protocol;
};

// Receives events on a datagram socket, several lines per datagram, batched
// by a DatagramReceiver. The kinds differ only at the edges:
//  - UDP (IPv4 or IPv6): sources outside the allow list are dropped and
//    counted; a host name in `listen` is resolved.
//  - unix: local senders block (or get EAGAIN) when the queue is full rather
//    than lose datagrams; a datagram larger than the buffer is counted as too
//    long; a stale socket file left by a dead process is replaced, a live one
//    is an error; the file gets the configured mode and is removed at stop.
// Kernel drops are read from SO_RXQ_OVFL with each datagram and SO_MEMINFO
// before each scrape.
template <typename Config>
class DatagramInput final : public Input {
 public:
  using Protocol = typename DatagramProtocol<Config>::type;

  DatagramInput(boost::asio::io_context& io, Config config, CountingHub& hub,
                std::size_t max_line_bytes);

  void start() override;
  // Refuses new datagrams (UDP: the kernel drops and counts them; unix:
  // senders get EPIPE), reads what is still queued, then closes the socket.
  void stop() override;
  InputStatus status() const override;
  void before_scrape() override {
    if (socket_.is_open()) receiver_.sync_kernel_drops(socket_.native_handle());
  }
  void reconfigure(InputConfig const& config, LineParser parser,
                   InputContext const& context) override;

 private:
  // The differences between the kinds, one definition each per kind.
  void open_and_bind();
  void refuse_new();
  void release_address();
  void take_over(Config const& next);
  std::string address() const;

  void take(DatagramReceiver::Datagram const& datagram) noexcept;
  bool allowed(sockaddr const* source) const noexcept;

  boost::asio::io_context& io_;
  CountingHub& hub_;
  Config config_;
  typename Protocol::socket socket_;
  LineProcessor processor_;
  DatagramReceiver receiver_;
  CounterCell* denied_;
  bool bound_ = false;
};

using UdpInput = DatagramInput<UdpInputConfig>;
using UnixgramInput = DatagramInput<UnixgramInputConfig>;

}  // namespace cos_exporter
