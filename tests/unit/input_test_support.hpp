#pragma once

// What the input tests share beyond test_support.hpp: an event loop turned by
// hand until a condition holds, real datagrams sent over UDP and unix
// sockets, and counter reads.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

#include "cos_exporter/counting/metric_store.hpp"
#include "test_support.hpp"

namespace input_test {

using cos_exporter::testing::TempDir;

// Turns `io` until `done`, for at most 20 s (the machine may be busy).
inline bool run_until(boost::asio::io_context& io, std::function<bool()> const& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A UDP port on 127.0.0.1 that was free a moment ago.
inline std::uint16_t free_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Sends `payload` `datagrams` times to `address` ("127.0.0.1:PORT").
inline void send_udp(std::string const& address, int datagrams, std::string const& payload) {
  auto colon = address.rfind(':');
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < datagrams; ++i)
    REQUIRE(::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) == static_cast<ssize_t>(payload.size()));
  ::close(fd);
}

// Sends `payload` `datagrams` times to the unix datagram socket at `path`.
inline void send_unix(std::string const& path, int datagrams, std::string const& payload) {
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::strncpy(to.sun_path, path.c_str(), sizeof to.sun_path - 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  int buffer = static_cast<int>(payload.size()) * 2 + 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  for (int i = 0; i < datagrams; ++i)
    REQUIRE(::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) == static_cast<ssize_t>(payload.size()));
  ::close(fd);
}

// The value of `metric`{labels}, 0 when the series does not exist.
inline std::uint64_t counter(cos_exporter::MetricStore const& store, char const* metric,
                             std::vector<std::string> const& labels) {
  auto const* family = store.find_counter(metric);
  if (family == nullptr) return 0;
  auto it = family->all().find(labels);
  return it == family->all().end() ? 0 : it->second->value();
}

}  // namespace input_test
