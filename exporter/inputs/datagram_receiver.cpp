#include "datagram_receiver.hpp"

#include <linux/sock_diag.h>

#include <cerrno>
#include <cstring>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

constexpr std::size_t kControlBytes = CMSG_SPACE(sizeof(std::uint32_t)) + 64;

}  // namespace

DatagramReceiver::DatagramReceiver(MetricStore& store, std::string input_name)
    : buffers_(new char[kBatch * kMaxDatagram]),
      headers_(kBatch),
      iovecs_(kBatch),
      sources_(kBatch),
      controls_(new char[kBatch * kControlBytes]) {
  rename(store, std::move(input_name));
}

void DatagramReceiver::rename(MetricStore& store, std::string input_name) {
  input_name_ = std::move(input_name);
  packets_ = &store.counter(metric::kUdpPacketsFamily).series({input_name_});
  kernel_drops_ = &store.counter(metric::kUdpKernelDropsFamily).series({input_name_});
}

void DatagramReceiver::drain_before_close(int fd) {
  if (on_datagram_) {
    // Bounded by what is queued: the caller has stopped new datagrams from
    // joining the queue.
    while (!drain(fd, on_datagram_)) {
    }
  }
  sync_kernel_drops(fd);
}

bool DatagramReceiver::drain(int fd, OnDatagram const& on_datagram) {
  std::uint32_t drops = kernel_drops_seen_;
  bool drained = false;
  for (std::size_t batch = 0; batch < kBatchesPerTurn && !drained; ++batch) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iovecs_[i] = iovec{buffers_.get() + i * kMaxDatagram, kMaxDatagram};
      msghdr& header = headers_[i].msg_hdr;
      header = msghdr{};
      header.msg_name = &sources_[i];
      header.msg_namelen = sizeof(sockaddr_storage);
      header.msg_iov = &iovecs_[i];
      header.msg_iovlen = 1;
      header.msg_control = controls_.get() + i * kControlBytes;
      header.msg_controllen = kControlBytes;
      headers_[i].msg_len = 0;
    }
    int received = ::recvmmsg(fd, headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        log_warn("receiving failed; waiting for the next datagram",
                 {{"input", input_name_}, {"error", errno_text(errno)}});
      drained = true;
      break;
    }
    if (received == 0) {  // never seen; were it to happen, draining before a close must end
      drained = true;
      break;
    }
    // Not stopping on a short batch: the reactor is edge-triggered, so only
    // EAGAIN proves the queue empty.
    for (int i = 0; i < received; ++i) {
      msghdr const& header = headers_[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
           c = CMSG_NXTHDR(const_cast<msghdr*>(&header), c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
      }
      std::size_t length = std::min<std::size_t>(headers_[i].msg_len, kMaxDatagram);
      sockaddr const* source = header.msg_namelen > sizeof(sa_family_t)
                                   ? reinterpret_cast<sockaddr const*>(header.msg_name)
                                   : nullptr;
      packets_->add(1);
      on_datagram(Datagram{std::string_view(buffers_.get() + i * kMaxDatagram, length), source,
                           (header.msg_flags & MSG_TRUNC) != 0});
    }
  }
  record_kernel_drops(drops);
  return drained;
}

void DatagramReceiver::sync_kernel_drops(int fd) {
  std::uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof meminfo;
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &length) == 0 &&
      length > SK_MEMINFO_DROPS * sizeof(std::uint32_t))
    record_kernel_drops(meminfo[SK_MEMINFO_DROPS]);
}

void DatagramReceiver::record_kernel_drops(std::uint32_t drops) {
  // SO_RXQ_OVFL and SO_MEMINFO report the same cumulative count (sk_drops),
  // but a datagram carries the count of when it was queued: one read after a
  // SO_MEMINFO sync may be older. Unsigned arithmetic follows the kernel's
  // 32-bit wrap; a "step" of more than half the range is a stale value.
  std::uint32_t step = drops - kernel_drops_seen_;
  if (step == 0 || step > 0x80000000u) return;
  kernel_drops_->add(step);
  kernel_drops_seen_ = drops;
}

}  // namespace cos_exporter
