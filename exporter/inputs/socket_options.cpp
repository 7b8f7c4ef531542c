#include "socket_options.hpp"

#include <linux/filter.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"

namespace cos_exporter {

void apply_receive_buffer(int fd, std::uint64_t bytes, std::string const& input_name) {
  if (bytes == 0) return;
  int requested = static_cast<int>(std::min<std::uint64_t>(bytes, 1u << 30));
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &requested, sizeof requested) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &requested, sizeof requested);
  int granted = 0;
  socklen_t length = sizeof granted;
  ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length);
  // Linux reports twice the usable size (it counts its bookkeeping).
  if (granted / 2 < requested)
    log_warn("the kernel capped the receive buffer; raise net.core.rmem_max to avoid drops",
             {{"input", input_name},
              {"requested_bytes", std::to_string(requested)},
              {"granted_bytes", std::to_string(granted / 2)}});
}

void enable_drop_counting(int fd, std::string const& input_name) {
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) != 0)
    log_warn("cannot count kernel drops (SO_RXQ_OVFL)",
             {{"input", input_name}, {"error", errno_text(errno)}});
}

void refuse_new_datagrams(int fd, std::string const& input_name) {
  sock_filter accept_nothing[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
  sock_fprog program{1, accept_nothing};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0)
    log_warn("cannot hold back datagrams before closing; those arriving meanwhile are not counted",
             {{"input", input_name}, {"error", errno_text(errno)}});
}

void refuse_new_unix_datagrams(int fd, std::string const& input_name) {
  if (::shutdown(fd, SHUT_RD) != 0)
    log_warn("cannot hold back datagrams before closing; those arriving meanwhile are not counted",
             {{"input", input_name}, {"error", errno_text(errno)}});
}

}  // namespace cos_exporter
