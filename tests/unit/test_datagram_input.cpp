#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/inputs/input.hpp"
#include "input_test_support.hpp"
#include "inputs/datagram_receiver.hpp"

using namespace cos_exporter;
namespace fs = std::filesystem;

namespace {

// One datagram input, started, with its own loop and counters.
struct Running {
  input_test::TempDir temp;
  boost::asio::io_context io;
  CountingHub hub{make_classifier(parse_config("", "empty.yaml")), 64};
  std::shared_ptr<Input> input;

  explicit Running(InputConfig const& config) : input(make(config)) { input->start(); }
  ~Running() { input->stop(); }

  std::shared_ptr<Input> make(InputConfig const& config) {
    return make_input(config, InputContext{io, hub, 16384, nullptr});
  }
  std::uint64_t counter(char const* metric, std::vector<std::string> const& labels) {
    return input_test::counter(hub.store(), metric, labels);
  }
  bool run_until(std::function<bool()> const& done) { return input_test::run_until(io, done); }
};

UdpInputConfig udp_config(std::string const& name) {
  UdpInputConfig config;
  config.name = name;
  config.listen = "127.0.0.1:0";
  return config;
}

UnixgramInputConfig unix_config(fs::path const& path) {
  UnixgramInputConfig config;
  config.name = "x";
  config.path = path.string();
  config.mode = 0600;
  return config;
}

}  // namespace

TEST_CASE("a UDP input counts every line of every datagram", "[datagram_input]") {
  Running udp(udp_config("u"));
  auto status = udp.input->status();
  CHECK(status.kind == "udp");
  REQUIRE(status.address.rfind("127.0.0.1:", 0) == 0);
  CHECK(status.address != "127.0.0.1:0");

  input_test::send_udp(status.address, 3, "-96\ncode=-4016\n{\"code\":-61}");
  REQUIRE(udp.run_until([&] { return udp.input->status().received == 9; }));
  CHECK(udp.input->status().malformed == 0);
  CHECK(udp.counter(metric::kUdpPackets, {"u"}) == 3);
  CHECK(udp.counter(metric::kUdpDenied, {"u"}) == 0);
}

TEST_CASE("a UDP input drops and counts sources outside its allow list", "[datagram_input]") {
  auto config = udp_config("u");
  config.allow = {*Cidr::parse("10.0.0.0/8")};
  Running udp(config);
  input_test::send_udp(udp.input->status().address, 4, "-96");
  REQUIRE(udp.run_until([&] { return udp.counter(metric::kUdpPackets, {"u"}) == 4; }));
  CHECK(udp.counter(metric::kUdpDenied, {"u"}) == 4);
  CHECK(udp.input->status().received == 0);

  // Let in once the list holds loopback, on the same socket.
  std::string address = udp.input->status().address;
  config.allow.push_back(*Cidr::parse("127.0.0.0/8"));
  udp.input->reconfigure(config, LineParser(config.format, config.regex, 16384),
                         InputContext{udp.io, udp.hub, 16384, nullptr});
  CHECK(udp.input->status().address == address);
  input_test::send_udp(address, 2, "-96");
  REQUIRE(udp.run_until([&] { return udp.input->status().received == 2; }));
  CHECK(udp.counter(metric::kUdpDenied, {"u"}) == 4);
}

TEST_CASE("a datagram input reads its whole queue when it stops", "[datagram_input]") {
  Running udp(udp_config("u"));
  input_test::TempDir dir;
  Running unixgram(unix_config(dir.path() / "x.sock"));
  // The loops never turn: only stop() reads these.
  input_test::send_udp(udp.input->status().address, 25, "-96");
  input_test::send_unix((dir.path() / "x.sock").string(), 5, "-96\n-96");
  udp.input->stop();
  unixgram.input->stop();
  CHECK(udp.input->status().received == 25);
  CHECK(unixgram.input->status().received == 10);
  CHECK_FALSE(fs::exists(dir.path() / "x.sock"));
}

TEST_CASE("a unix datagram input owns its socket file", "[datagram_input]") {
  input_test::TempDir dir;
  fs::path path = dir.path() / "sub" / "x.sock";

  SECTION("made with its directory and mode; a live socket is not taken over") {
    Running unixgram(unix_config(path));
    CHECK(unixgram.input->status().kind == "unixgram");
    CHECK(unixgram.input->status().address == path.string());
    CHECK(fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    auto second = unixgram.make(unix_config(path));
    CHECK_THROWS_WITH(second->start(), Catch::Contains("another process is listening on it"));
    CHECK(fs::exists(path));
  }
  SECTION("a stale socket file is replaced") {
    { Running first(unix_config(path)); }
    // A dead process's file: bound once, never removed.
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
    Running unixgram(unix_config(path));
    input_test::send_unix(path.string(), 1, "-96");
    REQUIRE(unixgram.run_until([&] { return unixgram.input->status().received == 1; }));
  }
  SECTION("a path that is not a socket is an error naming the input") {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "not a socket";
    boost::asio::io_context io;
    CountingHub hub{make_classifier(parse_config("", "empty.yaml")), 64};
    auto input = make_input(unix_config(path), InputContext{io, hub, 16384, nullptr});
    CHECK_THROWS_WITH(input->start(), Catch::Contains("input x") &&
                                          Catch::Contains("the path exists and is not a socket"));
  }
}

TEST_CASE("a unix datagram larger than the buffer counts as too long", "[datagram_input]") {
  input_test::TempDir dir;
  Running unixgram(unix_config(dir.path() / "x.sock"));
  // Good lines, but cut short: none of them is trusted.
  std::string huge;
  while (huge.size() <= DatagramReceiver::kMaxDatagram) huge += "-96\n";
  input_test::send_unix((dir.path() / "x.sock").string(), 1, huge);
  input_test::send_unix((dir.path() / "x.sock").string(), 1, "-96");
  REQUIRE(unixgram.run_until([&] { return unixgram.counter(metric::kUdpPackets, {"x"}) == 2; }));
  CHECK(unixgram.input->status().received == 2);
  CHECK(unixgram.counter(metric::kMalformed, {"x", "too_long"}) == 1);
}
