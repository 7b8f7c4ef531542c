#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cos_exporter/counting/metric_names.hpp"
#include "inputs/datagram_receiver.hpp"
#include "inputs/socket_options.hpp"

using namespace cos_exporter;

namespace {

struct UdpPair {
  int receiver = ::socket(AF_INET, SOCK_DGRAM, 0);
  int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};

  UdpPair() {
    int small = 4096, one = 1;
    ::setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ::setsockopt(receiver, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(receiver, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    ::getsockname(receiver, reinterpret_cast<sockaddr*>(&address), &length);
  }
  ~UdpPair() {
    ::close(receiver);
    ::close(sender);
  }
  void send(int datagrams) {
    std::string payload(200, 'x');
    for (int i = 0; i < datagrams; ++i)
      ::sendto(sender, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&address),
               sizeof address);
  }
};

std::uint64_t drops(MetricStore const& store) {
  return store.find_counter(metric::kUdpKernelDrops)->all().begin()->second->value();
}

}  // namespace

TEST_CASE("every datagram sent is received or counted as a kernel drop", "[datagram]") {
  MetricStore store;
  DatagramReceiver receiver(store, "test");
  UdpPair pair;
  pair.send(200);  // far more than a 4 KiB buffer holds

  SECTION("drops read at a scrape, then older counts on queued datagrams") {
    std::size_t received = 0;
    auto count = [&](DatagramReceiver::Datagram const&) { ++received; };
    receiver.drain(pair.receiver, count);
    receiver.sync_kernel_drops(pair.receiver);
    std::uint64_t first_drops = drops(store);
    CHECK(first_drops > 0);
    // These are queued carrying the count so far; then more are dropped.
    pair.send(200);
    receiver.sync_kernel_drops(pair.receiver);
    std::uint64_t all_drops = drops(store);
    CHECK(all_drops > first_drops);
    // Draining now meets the older count on every queued datagram: it must
    // neither step back nor wrap to 2^32.
    receiver.drain(pair.receiver, count);
    CHECK(drops(store) == all_drops);
    CHECK(received + all_drops == 400);
    CHECK(receiver.packets() == received);
  }
  SECTION("drops reported with the next datagram") {
    std::size_t received = 0;
    auto count = [&](DatagramReceiver::Datagram const&) { ++received; };
    receiver.drain(pair.receiver, count);
    pair.send(1);
    receiver.drain(pair.receiver, count);
    CHECK(received + drops(store) == 201);
    receiver.sync_kernel_drops(pair.receiver);
    CHECK(received + drops(store) == 201);
  }
}

TEST_CASE("a UDP socket about to close keeps its queue and counts later datagrams as drops",
          "[datagram]") {
  MetricStore store;
  DatagramReceiver receiver(store, "test");
  UdpPair pair;
  pair.send(1);
  refuse_new_datagrams(pair.receiver, "test");
  pair.send(5);
  std::size_t received = 0;
  receiver.drain(pair.receiver, [&](DatagramReceiver::Datagram const&) { ++received; });
  receiver.sync_kernel_drops(pair.receiver);
  CHECK(received == 1);
  CHECK(drops(store) == 5);
}

TEST_CASE("a unix socket about to close refuses senders and keeps its queue", "[datagram]") {
  auto path = std::filesystem::temp_directory_path() /
              ("cos-refuse-" + std::to_string(::getpid()) + ".sock");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  int receiving = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  int sending = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(::bind(receiving, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  auto send = [&] {
    return ::sendto(sending, "-96", 3, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&address),
                    sizeof address);
  };
  CHECK(send() == 3);
  refuse_new_unix_datagrams(receiving, "test");
  CHECK(send() == -1);
  CHECK(errno == EPIPE);

  MetricStore store;
  DatagramReceiver receiver(store, "test");
  std::size_t received = 0;
  CHECK(receiver.drain(receiving, [&](DatagramReceiver::Datagram const&) { ++received; }));
  CHECK(received == 1);
  ::close(receiving);
  ::close(sending);
  ::unlink(path.c_str());
}
