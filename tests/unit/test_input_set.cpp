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
#include <fstream>
#include <functional>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/daemon/input_set.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
namespace fs = std::filesystem;

namespace {

std::uint16_t free_udp_port() {
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

// An InputSet as the daemon runs it, with the event loop turned by hand: a
// datagram sent while the loop stands still waits in its socket's queue.
struct RunningSet {
  cos_exporter::testing::TempDir temp;
  fs::path dir = temp.path();
  boost::asio::io_context io;
  CountingHub hub;
  InputSet inputs{io, hub};

  explicit RunningSet(std::string const& yaml)
      : hub(make_classifier(parse_config("", "empty.yaml")), 64) {
    inputs.apply(config(yaml));
  }
  ~RunningSet() { inputs.stop(); }

  // `yaml` with {dir} standing for the test's directory.
  Config config(std::string yaml) const {
    for (auto at = yaml.find("{dir}"); at != std::string::npos; at = yaml.find("{dir}"))
      yaml.replace(at, 5, dir.string());
    return parse_config(yaml, "test.yaml");
  }

  InputStatus status(std::string const& name) const {
    for (auto const& status : inputs.status())
      if (status.name == name) return status;
    FAIL("no input " << name);
    return {};
  }
  std::uint64_t counter(char const* metric, std::string const& input) {
    auto const* family = hub.store().find_counter(metric);
    if (family == nullptr) return 0;
    auto it = family->all().find({input});
    return it == family->all().end() ? 0 : it->second->value();
  }

  // Turns the loop until `done`, for at most 20 s (the machine may be busy).
  bool run_until(std::function<bool()> const& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  void send_udp(std::string const& name, int datagrams, std::string const& payload = "-96") {
    std::string address = status(name).address;
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
  void send_unix(std::string const& path, int datagrams) {
    sockaddr_un to{};
    to.sun_family = AF_UNIX;
    std::strncpy(to.sun_path, path.c_str(), sizeof to.sun_path - 1);
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    for (int i = 0; i < datagrams; ++i)
      REQUIRE(::sendto(fd, "-96", 3, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 3);
    ::close(fd);
  }
  void append(std::string const& file, int lines) {
    std::ofstream out(dir / file, std::ios::app);
    for (int i = 0; i < lines; ++i) out << "-96\n";
  }
};

std::uint64_t malformed_as(RunningSet& set, std::string const& input, char const* reason) {
  auto const* family = set.hub.store().find_counter(metric::kMalformed);
  auto it = family->all().find({input, reason});
  return it == family->all().end() ? 0 : it->second->value();
}

}  // namespace

TEST_CASE("a reload keeps inputs whose address is unchanged and changes the rest in place",
          "[input_set]") {
  std::string const before = R"(
inputs:
  udp: [{name: u, listen: "127.0.0.1:0"}]
  unixgram: [{name: x, path: "{dir}/x.sock"}]
  files: [{name: f, path: "{dir}/*.log", start_at: beginning}]
limits: {max_line_bytes: 16384}
)";
  // Every setting but the addresses changes: limits, format, allow list,
  // buffer, mode, name, the state file.
  std::string const after = R"(
inputs:
  udp: [{name: u, listen: "127.0.0.1:0", format: json, allow: [127.0.0.0/8], read_buffer_bytes: 65536}]
  unixgram: [{name: renamed, path: "{dir}/x.sock", format: json, mode: "0600"}]
  files: [{name: f, path: "{dir}/*.log", start_at: end, format: logfmt}]
limits: {max_line_bytes: 100, max_unknown_codes: 5}
state_file: "{dir}/state.json"
)";
  RunningSet set("inputs: {}");
  set.append("a.log", 3);
  set.inputs.apply(set.config(before));
  REQUIRE(set.run_until([&] { return set.status("f").received == 3; }));
  std::string udp_address = set.status("u").address;

  // Queued while the loop stands still, then the reload.
  set.send_udp("u", 5);
  set.send_unix((set.dir / "x.sock").string(), 2);
  set.inputs.apply(set.config(after));

  CHECK(set.status("u").address == udp_address);
  CHECK(fs::status(set.dir / "x.sock").permissions() ==
        (fs::perms::owner_read | fs::perms::owner_write));
  // What was queued is read by the kept sockets, under the new settings.
  REQUIRE(set.run_until(
      [&] { return set.status("u").received == 5 && set.status("renamed").received == 2; }));
  CHECK(malformed_as(set, "u", "invalid_json") == 5);
  CHECK(malformed_as(set, "renamed", "invalid_json") == 2);
  CHECK(set.counter(metric::kUdpPackets, "u") == 5);
  CHECK(set.counter(metric::kUdpPackets, "renamed") == 2);
  CHECK(set.status("renamed").address == (set.dir / "x.sock").string());

  // The file goes on where it was: lines are read in order, so once the new
  // ones are counted, a second reading of the first three would be too.
  set.append("a.log", 2);
  REQUIRE(set.run_until([&] { return set.status("f").received >= 5; }));
  CHECK(set.status("f").received == 5);
  set.inputs.stop();
  std::ifstream state(set.dir / "state.json");
  std::string text((std::istreambuf_iterator<char>(state)), std::istreambuf_iterator<char>());
  CHECK(text.find("a.log") != std::string::npos);
}

TEST_CASE("an input that is removed or must bind elsewhere counts its queue before closing",
          "[input_set]") {
  std::uint16_t first = free_udp_port(), second = free_udp_port();
  std::string const config = R"(
inputs:
  udp: [{name: moving, listen: "127.0.0.1:%PORT%"}, {name: leaving, listen: "127.0.0.1:0"}]
  unixgram: [{name: x, path: "{dir}/%SOCK%.sock"}]
)";
  auto with = [&](std::uint16_t port, std::string const& sock, bool leaving) {
    std::string text = config;
    text.replace(text.find("%PORT%"), 6, std::to_string(port));
    text.replace(text.find("%SOCK%"), 6, sock);
    std::string const leaving_input = R"(, {name: leaving, listen: "127.0.0.1:0"})";
    if (!leaving) text.erase(text.find(leaving_input), leaving_input.size());
    return text;
  };
  RunningSet set(with(first, "one", true));
  set.send_udp("moving", 20);
  set.send_udp("leaving", 7);
  set.send_unix((set.dir / "one.sock").string(), 3);

  // Without turning the loop: the old sockets are read to the end as they close.
  set.inputs.apply(set.config(with(second, "two", false)));
  CHECK(set.counter(metric::kReceived, "moving") == 20);
  CHECK(set.counter(metric::kReceived, "leaving") == 7);
  CHECK(set.counter(metric::kReceived, "x") == 3);
  CHECK(set.counter(metric::kUdpPackets, "moving") == 20);
  CHECK(set.status("moving").address == "127.0.0.1:" + std::to_string(second));
  CHECK_FALSE(fs::exists(set.dir / "one.sock"));

  set.send_udp("moving", 4);
  set.send_unix((set.dir / "two.sock").string(), 1);
  REQUIRE(set.run_until(
      [&] { return set.status("moving").received == 24 && set.status("x").received == 4; }));
}

TEST_CASE("a reload that cannot start a new input leaves the kept ones as they were",
          "[input_set]") {
  RunningSet set(R"(inputs: {udp: [{name: u, listen: "127.0.0.1:0"}]})");
  std::string address = set.status("u").address;
  int blocker = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::uint16_t taken = free_udp_port();
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(taken);
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(blocker, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);

  std::string bad = R"(inputs: {udp: [{name: u, listen: "127.0.0.1:0", format: json},
                                       {name: v, listen: "127.0.0.1:PORT"}]})";
  bad.replace(bad.find("PORT"), 4, std::to_string(taken));
  CHECK_THROWS(set.inputs.apply(set.config(bad)));
  ::close(blocker);

  CHECK(set.status("u").address == address);
  set.send_udp("u", 1);
  REQUIRE(set.run_until([&] { return set.status("u").received == 1; }));
  CHECK(set.status("u").malformed == 0);  // still auto-detecting, not json
}
