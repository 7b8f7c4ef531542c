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

// Complete lines zlib gives of a (damaged) gzip file before it stops.
std::uint64_t lines_before_damage(std::string const& path) {
  gzFile in = ::gzopen(path.c_str(), "rb");
  REQUIRE(in != nullptr);
  std::string content;
  char buffer[4096];
  int n;
  while ((n = ::gzread(in, buffer, sizeof buffer)) > 0) content.append(buffer, n);
  ::gzclose(in);
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
  auto gz = gzip_of(event_lines(2000));
  auto path = dir.file("app.log.1.gz");
  std::size_t at = GENERATE(0, 1, 2);
  gz[gz.size() * (at + 1) / 4] ^= 0x5a;
  write_file(path, gz);
  auto expected = lines_before_damage(path);

  Harness h(file_config(dir.file("app.log*")));
  h.start();
  for (int i = 0; i < 3; ++i) h.settle();
  CHECK(h.skipped("damaged_gzip") == 1);
  // zlib hands over what it inflated before the damage only in the read that
  // stops there: read in bigger pieces, fewer of those lines are seen.
  auto counted = h.lines(path);
  CHECK(counted <= expected);
  CHECK(h.input->followed_paths().empty());
  fs::rename(path, dir.file("app.log.2.gz"));
  h.settle();
  CHECK(h.lines(path) + h.lines(dir.file("app.log.2.gz")) == counted);
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
