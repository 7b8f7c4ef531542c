// Rotations the content cannot tell apart: every line alike, and compressed
// files renamed after they were recognised as read. Driven by hand, pass by
// pass, as logrotate would leave the directory between two looks.
#include <unistd.h>

#include <filesystem>

#include "file_test_support.hpp"

using namespace cos_exporter;
using namespace cos_exporter::testing;
namespace fs = std::filesystem;

namespace {

// What a client that logs only the SDK's answer writes: no timestamp, no id.
std::string alike_lines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += "{\"code\":-96,\"message\":\"expired\"}\n";
  return text;
}

}  // namespace

TEST_CASE("create rotation of files whose lines are all alike reads each new file", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, alike_lines(4));
  Harness h(file_config(dir.file("app.log*")));
  h.start();
  CHECK(h.errors() == 4);
  int written = 4;
  for (int rotation = 1; rotation <= 3; ++rotation) {
    for (int i = rotation; i >= 1; --i)
      if (fs::exists(dir.file("app.log." + std::to_string(i))))
        fs::rename(dir.file("app.log." + std::to_string(i)),
                   dir.file("app.log." + std::to_string(i + 1)));
    fs::rename(path, dir.file("app.log.1"));
    append(path, alike_lines(3));  // created by logrotate, written by the reopened application
    written += 3;
    h.settle();
    h.settle();
    CHECK(h.errors() == static_cast<std::uint64_t>(written));
  }
  CHECK(h.lines(path) == 13);
  CHECK(h.input->followed_paths().size() == 4);
}

TEST_CASE("create rotation with compress, lines alike: the .gz is the rotated file, read once",
          "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, alike_lines(5));
  Harness h(file_config(dir.file("app.log*")));
  h.start();
  fs::rename(path, dir.file("app.log.1"));
  append(path, alike_lines(2));
  h.settle();
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  fs::remove(dir.file("app.log.1"));
  h.settle();
  h.settle();
  h.settle();
  CHECK(h.errors() == 7);
  CHECK(h.skipped("compressed_already_read") == 1);
  append(path, alike_lines(1));
  h.settle();
  CHECK(h.errors() == 8);
  CHECK(h.lines(dir.file("app.log.1.gz")) == 0);
}

TEST_CASE("a compressed file recognised as read is not read again under a new name", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, event_lines(5));
  Harness h(file_config(dir.file("app.log*")));
  h.start();
  fs::rename(path, dir.file("app.log.1"));
  h.settle();
  h.settle();  // read to its end and let go
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  fs::remove(dir.file("app.log.1"));
  h.settle();
  h.settle();
  REQUIRE(h.skipped("compressed_already_read") == 1);
  for (int i = 1; i <= 3; ++i) {
    fs::rename(dir.file("app.log." + std::to_string(i) + ".gz"),
               dir.file("app.log." + std::to_string(i + 1) + ".gz"));
    h.settle();
  }
  CHECK(h.errors() == 5);
  CHECK(h.skipped("compressed_already_read") == 1);
}
