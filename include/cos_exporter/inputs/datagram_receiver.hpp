#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace cos_exporter {

// Batched receiving for a datagram socket (UDP or unixgram): recvmmsg until
// the socket is empty, with the kernel's drop count (SO_RXQ_OVFL) read from
// each batch. Buffers are allocated once.
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

  DatagramReceiver();

  // Reads what is queued on `fd`, at most `max_batches` recvmmsg calls.
  // Returns true when the socket was drained (EAGAIN), false when it stopped
  // at the bound with more possibly waiting. Errors other than EAGAIN/EINTR
  // end the call and are returned in `error` (0 if none).
  bool drain(int fd, OnDatagram const& on_datagram, std::size_t max_batches, int& error);

  // Datagrams the kernel dropped on this socket so far (SO_RXQ_OVFL), as
  // last reported; 0 when the option is not in effect.
  std::uint32_t kernel_drops() const { return kernel_drops_; }

 private:
  std::unique_ptr<char[]> buffers_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> sources_;
  std::unique_ptr<char[]> controls_;
  std::uint32_t kernel_drops_ = 0;
};

}  // namespace cos_exporter
