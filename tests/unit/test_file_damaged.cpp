// Compressed files that cannot be read to their end: a byte flipped, a file
// cut short. What they hold up to the damage is counted once; the damage is
// counted in file_skipped_total{reason}; the file is not read again.
#include <zlib.h>

#include <filesystem>

#include "file_test_support.hpp"

using namespace cos_exporter;
using namespace cos_exporter::testing;
namespace fs = std::filesystem;

namespace {

std::string gzip_of(std::string const& text) {
  TempDir dir;
  write_file(dir.file("plain"), text);
  gzip_file(dir.file("plain"), dir.file("plain.gz"));
  return read_file(dir.file("plain.gz"));
}

// Complete lines zlib's inflate gives of a (damaged) gzip file before it
// stops: everything inflated before the damage.
std::uint64_t lines_before_damage(std::string const& path) {
  std::string compressed = read_file(path);
  z_stream stream{};
  REQUIRE(::inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK);
  std::string content(64 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(content.data());
  stream.avail_out = static_cast<uInt>(content.size());
  int ret = ::inflate(&stream, Z_NO_FLUSH);
  CHECK(ret != Z_STREAM_END);
  content.resize(content.size() - stream.avail_out);
  ::inflateEnd(&stream);
  return static_cast<std::uint64_t>(std::count(content.begin(), content.end(), '\n'));
}

}  // namespace

TEST_CASE("a gzip file cut short: its lines are counted once, the cut is counted", "[file]") {
  TempDir dir;
  auto gz = gzip_of(event_lines(100));
  auto path = dir.file("app.log.1.gz");
  write_file(path, gz.substr(0, gz.size() / 2));
  auto expected = lines_before_damage(path);
  REQUIRE(expected > 0);
  REQUIRE(expected < 100);

  Harness h(file_config(dir.file("app.log*")));
  h.start();
  for (int i = 0; i < 4; ++i) h.settle();  // it stays the same size: cut, not being written
  CHECK(h.skipped("truncated_gzip") == 1);
  CHECK(h.errors() == expected);
  CHECK(h.input->followed_paths().empty());

  fs::rename(path, dir.file("app.log.2.gz"));  // rotated on: still not read again
  h.settle();
  h.settle();
  CHECK(h.errors() == expected);
  CHECK(h.skipped("truncated_gzip") == 1);
}

TEST_CASE("a gzip file still being written is not taken for a cut one", "[file]") {
  TempDir dir;
  auto text = event_lines(100);
  auto gz = gzip_of(text);
  auto path = dir.file("app.log.1.gz");
  write_file(path, gz.substr(0, gz.size() / 2));
  Harness h(file_config(dir.file("app.log*")));
  h.input->set_drain_grace(std::chrono::hours(1));  // the stall limit
  h.start();
  h.settle();
  h.settle();
  CHECK(h.skipped("truncated_gzip") == 0);
  append(path, gz.substr(gz.size() / 2));
  h.settle();
  h.settle();
  CHECK(h.errors() == 100);
  CHECK(h.skipped("truncated_gzip") == 0);
}

TEST_CASE("a gzip file with a byte flipped: read up to the damage, once, and counted", "[file]") {
  TempDir dir;
  // Content that does not depend on the tests run before: the flipped byte
  // must meet the same deflate data in every run.
  auto gz = gzip_of(event_lines(2000, -96, 0));
  auto path = dir.file("app.log.1.gz");
  std::size_t at = GENERATE(0, 1, 2);
  // At 1/4, zlib meets the damage within its first 16 KiB of content: the
  // buffer gzread inflates even to read the first line (the file was once
  // taken for damaged in its first line, and none of its lines counted).
  gz[gz.size() * (at + 1) / 4] ^= 0x5a;
  write_file(path, gz);
  auto expected = lines_before_damage(path);
  CAPTURE(at, expected);
  if (at == 0) REQUIRE(expected * event_lines(1, -96, 0).size() < 16384);
  REQUIRE(expected > 0);

  Harness h(file_config(dir.file("app.log*")));
  h.start();
  for (int i = 0; i < 3; ++i) h.settle();
  CHECK(h.skipped("damaged_gzip") == 1);
  // Every line inflated before the damage, also those of the read that meets it.
  auto counted = h.lines(path);
  CHECK(counted == expected);
  CHECK(h.input->followed_paths().empty());
  auto errors = h.errors();                    // a line the flip garbled is malformed, not an error
  fs::rename(path, dir.file("app.log.2.gz"));  // the per-path series goes with the old name
  h.settle();
  CHECK(h.lines(dir.file("app.log.2.gz")) == 0);
  CHECK(h.errors() == errors);
  CHECK(h.skipped("damaged_gzip") == 1);
}

TEST_CASE("a gzip file damaged in its first line is said and counted, not waited for", "[file]") {
  TempDir dir;
  auto gz = gzip_of(event_lines(50));
  gz[12] ^= 0xff;  // the first deflate block
  write_file(dir.file("app.log.1.gz"), gz);
  Harness h(file_config(dir.file("app.log*")));
  h.start();
  h.settle();
  CHECK(h.skipped("damaged_gzip") + h.skipped("truncated_gzip") == 1);
  h.settle();
  CHECK(h.skipped("damaged_gzip") + h.skipped("truncated_gzip") == 1);
}

TEST_CASE("a damaged gzip file is not read again after a restart", "[file]") {
  TempDir dir;
  auto gz = gzip_of(event_lines(2000));
  gz[gz.size() / 2] ^= 0x5a;
  auto path = dir.file("app.log.1.gz");
  write_file(path, gz);
  auto state = dir.file("positions.json");
  std::uint64_t counted = 0;
  {
    PositionStore positions(state);
    Harness h(file_config(dir.file("app.log*")), &positions);
    h.start();
    h.settle();
    REQUIRE(h.skipped("damaged_gzip") == 1);
    counted = h.lines(path);
    REQUIRE(counted > 0);
    h.input->stop();
    REQUIRE(positions.save());
  }
  // Twice: the second run keeps it in the state file too; then rotated on.
  for (int run = 0; run < 2; ++run) {
    PositionStore positions(state);
    Harness h(file_config(dir.file("app.log*")), &positions);
    h.start();
    h.settle();
    if (run == 1) {
      fs::rename(path, dir.file("app.log.2.gz"));
      h.settle();
    }
    CHECK(h.lines(path) + h.lines(dir.file("app.log.2.gz")) == 0);
    CHECK(h.errors() == 0);
    CHECK(h.skipped("damaged_gzip") == 0);  // counted by the run that found it
    CHECK(h.input->followed_paths().empty());
    h.input->stop();
    REQUIRE(positions.save());
  }
}
