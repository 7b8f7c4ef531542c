#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/common/regular_file.hpp"
#include "cos_exporter/common/yaml_reader.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
using cos_exporter::testing::TempDir;
using cos_exporter::testing::write_file;

namespace {

std::string read_error(std::string const& path, std::size_t max_bytes = kMaxReadFileBytes) {
  auto read = read_regular_file(path, max_bytes);
  REQUIRE(std::holds_alternative<ReadFailure>(read));
  return std::get<ReadFailure>(read).reason;
}

std::string problem(std::string const& path, std::size_t max_bytes = kMaxReadFileBytes) {
  auto found = regular_file_problem(path, max_bytes);
  return found ? found->reason : "";
}

}  // namespace

TEST_CASE("a regular file is read whole", "[regular_file]") {
  TempDir dir;
  std::string text(200000, 'x');
  text += "end";
  write_file(dir.file("a.yaml"), text);
  auto read = read_regular_file(dir.file("a.yaml"));
  REQUIRE(std::holds_alternative<std::string>(read));
  CHECK(std::get<std::string>(read) == text);
  CHECK_FALSE(regular_file_problem(dir.file("a.yaml")));
  write_file(dir.file("empty.yaml"), "");
  read = read_regular_file(dir.file("empty.yaml"));
  REQUIRE(std::holds_alternative<std::string>(read));
  CHECK(std::get<std::string>(read).empty());
}

TEST_CASE("a FIFO is refused at once, writer or not", "[regular_file]") {
  TempDir dir;
  std::string fifo = dir.file("catalog.yaml");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_error(fifo) == "it is a FIFO, not a regular file");
  CHECK(problem(fifo) == "it is a FIFO, not a regular file");
}

TEST_CASE("devices, directories and sockets are refused, not read", "[regular_file]") {
  TempDir dir;
  // /dev/zero would never end; /dev/null would read as an empty config.
  CHECK(read_error("/dev/zero") == "it is a character device, not a regular file");
  CHECK(read_error("/dev/null") == "it is a character device, not a regular file");
  CHECK(read_error(dir.path().string()) == "it is a directory, not a regular file");
  CHECK(read_error(dir.file("absent")) == "No such file or directory");

  std::string socket_path = dir.file("s.sock");
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socket_path.copy(address.sun_path, sizeof address.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  // Opening a socket fails (ENXIO) before it could be read.
  CHECK_FALSE(read_error(socket_path).empty());
  ::close(fd);
}

TEST_CASE("a file over the limit is refused, whatever its size says", "[regular_file]") {
  TempDir dir;
  write_file(dir.file("big.yaml"), std::string(2 * 1024 * 1024 + 1, 'x'));
  CHECK(read_error(dir.file("big.yaml"), 2 * 1024 * 1024) == "larger than the 2 MiB limit");
  CHECK(problem(dir.file("big.yaml"), 2 * 1024 * 1024) == "larger than the 2 MiB limit");
  CHECK(read_error(dir.file("big.yaml"), 1000) == "larger than the 1000 byte limit");
  // /proc files report size 0 and are read to their end, within the limit.
  auto status = read_regular_file("/proc/self/status");
  REQUIRE(std::holds_alternative<std::string>(status));
  CHECK(std::get<std::string>(status).find("Name:") != std::string::npos);
  CHECK(read_error("/proc/self/status", 16) == "larger than the 16 byte limit");
}

TEST_CASE("config files are read through the same checks, naming the file", "[regular_file]") {
  TempDir dir;
  std::string fifo = dir.file("exporter.yaml");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_MATCHES(read_text_file(fifo), ConfigError,
                       Catch::Message(fifo + ": cannot read: it is a FIFO, not a regular file"));
  CHECK_THROWS_MATCHES(
      read_text_file("/dev/zero"), ConfigError,
      Catch::Message("/dev/zero: cannot read: it is a character device, not a regular file"));
}
