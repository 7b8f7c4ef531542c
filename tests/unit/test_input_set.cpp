#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "daemon/input_set.hpp"
#include "input_test_support.hpp"

using namespace cos_exporter;
using input_test::free_udp_port;
namespace fs = std::filesystem;

namespace {

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
    return input_test::counter(hub.store(), metric, {input});
  }
  bool run_until(std::function<bool()> const& done) { return input_test::run_until(io, done); }

  void send_udp(std::string const& name, int datagrams, std::string const& payload = "-96") {
    input_test::send_udp(status(name).address, datagrams, payload);
  }
  void send_unix(std::string const& path, int datagrams) {
    input_test::send_unix(path, datagrams, "-96");
  }
  void append(std::string const& file, int lines) {
    std::ofstream out(dir / file, std::ios::app);
    for (int i = 0; i < lines; ++i) out << "-96\n";
  }
};

// A UDP port on the loopback held by another socket: an input cannot bind there.
struct TakenPort {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::uint16_t port = 0;
  TakenPort() {
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    socklen_t length = sizeof at;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &length);
    port = ntohs(at.sin_port);
  }
  ~TakenPort() { ::close(fd); }
};

// The inode of the UDP socket bound to `port` (/proc/net/udp), 0 when none:
// the same inode is the same socket, never closed in between.
std::uint64_t udp_socket_inode(std::uint16_t port) {
  std::ifstream table("/proc/net/udp");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    std::uint64_t inode = 0;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (std::stoul(local.substr(local.find(':') + 1), nullptr, 16) == port) return inode;
  }
  return 0;
}

std::uint16_t port_of(std::string const& address) {
  return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

std::uint64_t malformed_as(RunningSet& set, std::string const& input, char const* reason) {
  return input_test::counter(set.hub.store(), metric::kMalformed, {input, reason});
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

TEST_CASE(
    "a reload that cannot bind a new input stops nothing: no socket closes, no file is read "
    "again",
    "[input_set]") {
  TakenPort taken;
  std::uint16_t moved_to = free_udp_port();
  RunningSet set("inputs: {}");
  fs::create_directories(set.dir / "a");
  set.append("a/app.log", 3);
  set.inputs.apply(set.config(R"(
inputs:
  udp: [{name: u, listen: "127.0.0.1:0"}]
  files: [{name: f, path: "{dir}/a/*.log", start_at: beginning}]
)"));
  REQUIRE(set.run_until([&] { return set.status("f").received == 3; }));
  std::uint16_t port = port_of(set.status("u").address);
  std::uint64_t socket = udp_socket_inode(port);
  REQUIRE(socket != 0);

  // Both running inputs move (the UDP one to another port, the file one to
  // another directory under its name), and a new one cannot bind.
  std::string failing = R"(
inputs:
  udp: [{name: u, listen: "127.0.0.1:MOVED"}, {name: v, listen: "127.0.0.1:TAKEN"}]
  files: [{name: f, path: "{dir}/b/*.log", start_at: beginning}]
)";
  failing.replace(failing.find("MOVED"), 5, std::to_string(moved_to));
  failing.replace(failing.find("TAKEN"), 5, std::to_string(taken.port));
  for (int i = 0; i < 3; ++i) CHECK_THROWS(set.inputs.apply(set.config(failing)));

  CHECK(udp_socket_inode(port) == socket);
  CHECK(udp_socket_inode(moved_to) == 0);  // the new input that did start let go
  set.send_udp("u", 4);
  set.append("a/app.log", 2);
  REQUIRE(set.run_until(
      [&] { return set.status("u").received == 4 && set.status("f").received >= 5; }));
  CHECK(set.status("f").received == 5);
}

TEST_CASE(
    "an input moved to another address on its port binds again where it was when the new "
    "address fails",
    "[input_set]") {
  std::uint16_t port = free_udp_port();
  std::string const config = R"(inputs: {udp: [{name: u, listen: "HOST:PORT"}]})";
  auto at = [&](std::string const& host) {
    std::string text = config;
    text.replace(text.find("HOST"), 4, host);
    text.replace(text.find("PORT"), 4, std::to_string(port));
    return text;
  };
  RunningSet set(at("127.0.0.1"));
  set.send_udp("u", 3);
  // Not an address of this machine: the old socket had to close first, since
  // the port is the same; it binds again.
  CHECK_THROWS(set.inputs.apply(set.config(at("192.0.2.1"))));
  CHECK(set.counter(metric::kReceived, "u") == 3);  // read as it closed
  CHECK(set.status("u").address == "127.0.0.1:" + std::to_string(port));
  set.send_udp("u", 2);
  REQUIRE(set.run_until([&] { return set.status("u").received == 5; }));
}

TEST_CASE("the set shows every input, of every kind, in config order", "[input_set]") {
  RunningSet set(R"(
inputs:
  udp: [{name: u, listen: "127.0.0.1:0"}]
  unixgram: [{name: x, path: "{dir}/x.sock"}]
  files: [{name: f, path: "{dir}/*.log"}]
)");
  auto list = set.inputs.status();
  REQUIRE(list.size() == 3);
  CHECK(list[0].name == "u");
  CHECK(list[0].kind == "udp");
  CHECK(list[0].address.rfind("127.0.0.1:", 0) == 0);
  CHECK(list[0].state == "listening");
  CHECK(list[1].kind == "unixgram");
  CHECK(list[1].address == (set.dir / "x.sock").string());
  CHECK(list[2].kind == "file");
  CHECK(list[2].state == "waiting for files");
}

TEST_CASE("before a scrape, every datagram input reads the kernel's drop count", "[input_set]") {
  RunningSet set(R"(
inputs:
  udp: [{name: a, listen: "127.0.0.1:0", read_buffer_bytes: 4096},
        {name: b, listen: "127.0.0.1:0", read_buffer_bytes: 4096}]
)");
  // Far more than the buffer holds, while the loop stands still.
  std::string const payload(500, '-');
  set.send_udp("a", 100, payload);
  set.send_udp("b", 100, payload);
  CHECK(set.counter(metric::kUdpKernelDrops, "a") == 0);
  set.inputs.before_scrape();
  std::uint64_t dropped_a = set.counter(metric::kUdpKernelDrops, "a");
  std::uint64_t dropped_b = set.counter(metric::kUdpKernelDrops, "b");
  CHECK(dropped_a > 0);
  CHECK(dropped_b > 0);
  // Nothing lost: what was not dropped is read as the inputs stop.
  set.inputs.stop();
  CHECK(set.counter(metric::kUdpPackets, "a") + dropped_a == 100);
  CHECK(set.counter(metric::kUdpPackets, "b") + dropped_b == 100);
}
