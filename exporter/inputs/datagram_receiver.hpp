#pragma once

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {

// Batched receiving for a datagram socket (UDP or unixgram): recvmmsg until
// the socket is empty, counting every datagram and the kernel's drops
// (SO_RXQ_OVFL, reported with each datagram). Buffers are allocated once.
class DatagramReceiver {
 public:
  struct Datagram {
    std::string_view payload;
    sockaddr const* source;  // null for unnamed unix senders
    bool truncated;          // larger than the buffer (only possible for unix sockets)
  };
  using OnDatagram = std::function<void(Datagram const&)>;

  static constexpr std::size_t kBatch = 64;
  static constexpr std::size_t kMaxDatagram = 65536;
  // recvmmsg calls per turn before yielding to the other inputs and HTTP.
  static constexpr std::size_t kBatchesPerTurn = 16;

  DatagramReceiver(MetricStore& store, std::string input_name);

  // Receives on `socket` until it is closed: waits for readiness, drains,
  // and yields to the rest of the loop between turns. `owner` (the input)
  // is kept alive while a wait is pending.
  template <typename Socket>
  void receive(Socket& socket, boost::asio::io_context& io, std::shared_ptr<void> owner,
               OnDatagram on_datagram) {
    on_datagram_ = std::move(on_datagram);
    wait(socket, io, std::move(owner));
  }

  // Reads what is queued on `fd`, at most kBatchesPerTurn recvmmsg calls.
  // Returns true when the socket was drained (EAGAIN): wait for readiness
  // again; false when it stopped at the bound: call again soon. A receive
  // error is logged and ends the turn as drained.
  bool drain(int fd, OnDatagram const& on_datagram);

  // Before `fd` is closed: reads everything still queued on it (through the
  // receive() callback) and the kernel's final drop count, so that closing
  // loses nothing uncounted. The caller stops the queue from growing first.
  void drain_before_close(int fd);

  // The input took a new name: counts under it from now on.
  void rename(MetricStore& store, std::string input_name);

  std::uint64_t packets() const { return packets_->value(); }

  // Reads the kernel's drop count of `fd` now (SO_MEMINFO), so drops after
  // the last datagram of a burst show without waiting for the next one.
  void sync_kernel_drops(int fd);

 private:
  template <typename Socket>
  void wait(Socket& socket, boost::asio::io_context& io, std::shared_ptr<void> owner) {
    socket.async_wait(Socket::wait_read, [this, &socket, &io, owner](auto const& ec) {
      if (!ec) turn(socket, io, owner);
    });
  }
  template <typename Socket>
  void turn(Socket& socket, boost::asio::io_context& io, std::shared_ptr<void> const& owner) {
    if (!socket.is_open()) return;
    if (drain(socket.native_handle(), on_datagram_))
      wait(socket, io, owner);
    else
      boost::asio::post(io, [this, &socket, &io, owner] { turn(socket, io, owner); });
  }

  void record_kernel_drops(std::uint32_t drops);

  OnDatagram on_datagram_;
  std::string input_name_;
  CounterCell* packets_ = nullptr;
  CounterCell* kernel_drops_ = nullptr;
  std::uint32_t kernel_drops_seen_ = 0;
  std::unique_ptr<char[]> buffers_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> sources_;
  std::unique_ptr<char[]> controls_;
};

}  // namespace cos_exporter
