// Load generator: sends COS v4 error events over UDP as fast as sendmmsg goes,
// or, with `tcp` (newline framing) or `tcp-octets` (RFC 6587 octet counting),
// the same lines over one TCP connection: DATAGRAMS writes of the same bytes.
// Usage: udp_load HOST PORT DATAGRAMS [LINES_PER_DATAGRAM] [labels] [tcp|tcp-octets]
// With `labels`, every JSON event also carries a bucket, a region and a
// request_id (for configs with event labels and exemplars). Prints the datagrams and lines sent and
// the seconds it took.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s HOST PORT DATAGRAMS [LINES_PER_DATAGRAM] [labels]\n", argv[0]);
    return 2;
  }
  long datagrams = std::atol(argv[3]);
  int lines = argc > 4 ? std::atoi(argv[4]) : 16;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) return 2;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);

  bool labels = false;
  std::string tcp;
  for (int i = 5; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "labels") labels = true;
    if (arg == "tcp" || arg == "tcp-octets") tcp = arg;
  }

  char const* events[] = {
      R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk0ZGY3"})",
      R"({"code":-4016,"message":"ErrNotSameSHA"})", "code=-5997 message=ERROR_CGI_NETWORK",
      R"({"code":-61,"message":"ERROR_PROXY_INVALID_CMD_REQ"})"};
  char const* labeled_events[] = {
      R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","bucket":"docs","region":"ap-beijing","request_id":"NTk0ZGY3"})",
      R"({"code":-4016,"message":"ErrNotSameSHA","bucket":"photos","region":"ap-beijing","request_id":"NTk0ZGY4","trace_id":"4bf92f"})",
      "code=-5997 message=ERROR_CGI_NETWORK bucket=logs region=ap-guangzhou request_id=NTk0ZGY5",
      R"({"code":-61,"message":"ERROR_PROXY_INVALID_CMD_REQ","bucket":"docs","region":"ap-guangzhou","request_id":"NTk0ZGZA"})"};
  std::string payload;
  for (int i = 0; i < lines; ++i) {
    std::string line = labels ? labeled_events[i % 4] : events[i % 4];
    payload += tcp == "tcp-octets" ? std::to_string(line.size()) + " " + line : line + "\n";
  }
  if (!tcp.empty()) {
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 1;
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < datagrams; ++i) {
      for (std::size_t at = 0; at < payload.size();) {
        ssize_t n = write(fd, payload.data() + at, payload.size() - at);
        if (n <= 0) return 1;
        at += static_cast<std::size_t>(n);
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("sent writes=%ld lines=%ld seconds=%.3f lines_per_second=%.0f\n", datagrams,
                datagrams * lines, seconds, datagrams * lines / seconds);
    close(fd);
    return 0;
  }

  constexpr int kBatch = 64;
  std::vector<iovec> iov(kBatch, iovec{payload.data(), payload.size()});
  std::vector<mmsghdr> messages(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    messages[i].msg_hdr = msghdr{};
    messages[i].msg_hdr.msg_name = &to;
    messages[i].msg_hdr.msg_namelen = sizeof to;
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  auto start = std::chrono::steady_clock::now();
  long sent = 0;
  while (sent < datagrams) {
    int n = static_cast<int>(std::min<long>(kBatch, datagrams - sent));
    int r = sendmmsg(fd, messages.data(), n, 0);
    if (r > 0) sent += r;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("sent datagrams=%ld lines=%ld seconds=%.3f lines_per_second=%.0f\n", sent,
              sent * lines, seconds, sent * lines / seconds);
  close(fd);
  return 0;
}
