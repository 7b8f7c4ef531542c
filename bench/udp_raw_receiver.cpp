// The floor for receiving datagrams: binds a UDP port on loopback with the
// exporter's receive buffer, batch size and drop counting, and only counts
// what arrives. bench/udp_cpu_per_datagram.sh compares the exporter's CPU time
// per datagram with this program's.
// Usage: udp_raw_receiver [READ_BUFFER_BYTES]
// Prints "port=N" once bound; on SIGTERM or SIGINT prints the datagrams
// received, the kernel's drop count and the CPU seconds used.
#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "inputs/datagram_receiver.hpp"

namespace {

volatile std::sig_atomic_t stopping = 0;

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using cos_exporter::DatagramReceiver;
  constexpr std::size_t kBatch = DatagramReceiver::kBatch;
  constexpr std::size_t kMax = DatagramReceiver::kMaxDatagram;
  constexpr std::size_t kControl = CMSG_SPACE(sizeof(std::uint32_t)) + 64;
  int buffer = argc > 1 ? std::atoi(argv[1]) : 33554432;

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("bind");
    return 1;
  }
  std::printf("port=%d\n", ntohs(address.sin_port));
  std::fflush(stdout);
  std::signal(SIGTERM, [](int) { stopping = 1; });
  std::signal(SIGINT, [](int) { stopping = 1; });

  std::unique_ptr<char[]> buffers(new char[kBatch * kMax]);
  std::unique_ptr<char[]> controls(new char[kBatch * kControl]);
  std::vector<mmsghdr> headers(kBatch);
  std::vector<iovec> iovecs(kBatch);
  std::vector<sockaddr_storage> sources(kBatch);
  std::uint64_t received = 0;
  std::uint32_t drops = 0;
  for (bool last = false; !last;) {
    // Once told to stop: one more drain, so what is queued is counted too.
    last = stopping != 0;
    pollfd ready{fd, POLLIN, 0};
    if (!last && poll(&ready, 1, 100) <= 0) continue;
    for (;;) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        iovecs[i] = iovec{buffers.get() + i * kMax, kMax};
        msghdr& header = headers[i].msg_hdr;
        header = msghdr{};
        header.msg_name = &sources[i];
        header.msg_namelen = sizeof(sockaddr_storage);
        header.msg_iov = &iovecs[i];
        header.msg_iovlen = 1;
        header.msg_control = controls.get() + i * kControl;
        header.msg_controllen = kControl;
      }
      int n = recvmmsg(fd, headers.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      received += static_cast<std::uint64_t>(n);
      for (int i = 0; i < n; ++i) {
        msghdr const& header = headers[i].msg_hdr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
             c = CMSG_NXTHDR(const_cast<msghdr*>(&header), c))
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
            std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
      }
    }
  }
  // Drops after the last datagram read are not reported with any datagram.
  std::uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t meminfo_length = sizeof meminfo;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &meminfo_length) == 0)
    drops = meminfo[SK_MEMINFO_DROPS];
  std::printf("received=%llu kernel_drops=%u cpu_seconds=%.3f\n",
              static_cast<unsigned long long>(received), drops, cpu_seconds());
  return 0;
}
