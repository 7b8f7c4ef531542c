// File identity by content: fingerprints, logrotate copies, compressed
// rotations, and what a glob matches that is not read.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cos_exporter/inputs/file_source/fingerprint.hpp"
#include "file_test_support.hpp"

using namespace cos_exporter;
using namespace cos_exporter::testing;
namespace fs = std::filesystem;

TEST_CASE("a fingerprint is the first line, at most kFingerprintBytes", "[file]") {
  CHECK_FALSE(fingerprint_of("{\"code\":-9"));  // no complete line yet: wait
  auto one = fingerprint_of("{\"code\":-96}\n");
  REQUIRE(one);
  CHECK(one->bytes == 13);
  CHECK(fingerprint_of("{\"code\":-96}\n{\"code\":-97}\n") == one);
  CHECK(fingerprint_of("{\"code\":-97}\n") != one);
  std::string long_line(300, 'x');
  auto cut = fingerprint_of(long_line);
  REQUIRE(cut);
  CHECK(cut->bytes == kFingerprintBytes);
  CHECK_FALSE(fingerprint_of(long_line.substr(0, kFingerprintBytes - 1)));
  // Positions saved by older versions hashed the first 256 bytes.
  CHECK(head_matches(long_line, {256, fingerprint_hash(long_line.substr(0, 256))}));
}

TEST_CASE("compressed files are told from text by their magic numbers", "[file]") {
  CHECK(file_kind_of("{\"code\":-96}\n") == FileKind::text);
  CHECK(file_kind_of(std::string_view("\x1f\x8b\x08\x00", 4)) == FileKind::gzip);
  CHECK(file_kind_of(std::string_view("\xfd"
                                      "7zXZ\x00\x00",
                                      7)) == FileKind::xz);
  CHECK(file_kind_of(std::string_view("\x28\xb5\x2f\xfd\x00", 5)) == FileKind::zstd);
  CHECK(file_kind_of("BZh91AY&SY\x01") == FileKind::bzip2);
  CHECK(file_kind_of("BZh is a word\n") == FileKind::text);
  CHECK_FALSE(file_kind_of(std::string_view("\x1f", 1)));  // too short to tell
}

TEST_CASE("a file without a complete first line waits for it", "[file]") {
  TempDir dir;
  auto path = dir.file("a.log");
  append(path, "{\"code\":-96");
  Harness h(file_config(dir.file("*.log")));
  h.start();
  CHECK(h.input->followed_paths().empty());
  append(path, "}\n" + event_lines(1));
  h.settle();
  CHECK(h.lines(path) == 2);
  CHECK(h.errors() == 2);
}

TEST_CASE("a logrotate copy matched by the glob is read from the saved offset", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  auto copy = dir.file("app.log.1");
  append(path, event_lines(5));
  Harness h(file_config(dir.file("app.log*")));
  h.start();
  CHECK(h.lines(path) == 5);

  SECTION("lines not read before the truncation are read from the copy, once") {
    append(path, event_lines(3));  // not read yet when logrotate copies and truncates
    fs::copy_file(path, copy);
    ::truncate(path.c_str(), 0);
    append(path, event_lines(2));
    h.settle();
    h.settle();
    CHECK(h.lines(copy) == 3);
    CHECK(h.lines(path) == 7);
    CHECK(h.truncations(path) == 1);
  }
  SECTION("a copy seen before the truncation waits, then has nothing new") {
    append(path, event_lines(3));
    fs::copy_file(path, copy);
    h.settle();  // the copy is a copy of a file still read: it waits
    CHECK(h.lines(path) == 8);
    CHECK(h.input->followed_paths() == std::vector<std::string>{path});
    ::truncate(path.c_str(), 0);
    append(path, event_lines(2));
    h.settle();
    h.settle();
    CHECK(h.lines(path) == 10);
    CHECK(h.lines(copy) == 0);
    CHECK(h.input->followed_paths() == std::vector<std::string>{path, copy});
  }
  CHECK(h.errors() == 10);
  CHECK(h.malformed(MalformedReason::invalid_json) == 0);
}

TEST_CASE("another file with the same first line is not a copy", "[file]") {
  TempDir dir;
  std::string first = "{\"code\":-96,\"message\":\"started\"}\n";
  append(dir.file("a.log"), first + event_lines(3));
  append(dir.file("b.log"), first + event_lines(2));
  Harness h(file_config(dir.file("*.log")));
  h.start();
  CHECK(h.lines(dir.file("a.log")) == 4);
  CHECK(h.lines(dir.file("b.log")) == 3);
}

TEST_CASE("compressed rotations are read through zlib from the saved offset, once", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  auto state = dir.file("positions.json");
  append(path, event_lines(5));
  {
    RunWithState run(state, file_config(dir.file("app.log*")));
    CHECK(run.h.lines(path) == 5);
    run.stop();
  }
  // While the exporter is stopped: more lines, rotation, compression.
  append(path, event_lines(3));
  fs::rename(path, dir.file("app.log.1"));
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  fs::remove(dir.file("app.log.1"));
  append(path, event_lines(2));

  RunWithState run(state, file_config(dir.file("app.log*")));
  auto& h = run.h;
  h.settle();
  CHECK(h.lines(dir.file("app.log.1.gz")) == 3);
  CHECK(h.lines(path) == 2);
  CHECK(h.errors() == 5);
  CHECK(h.malformed(MalformedReason::invalid_json) == 0);

  // Read to its end once; rotated and compressed again: nothing new in it.
  fs::rename(path, dir.file("app.log.2"));
  h.settle();
  h.settle();  // read to its end and let go
  gzip_file(dir.file("app.log.2"), dir.file("app.log.2.gz"));
  fs::remove(dir.file("app.log.2"));
  h.settle();
  h.settle();
  CHECK(h.errors() == 5);
  CHECK(h.skipped("compressed_already_read") == 1);
  CHECK(h.malformed(MalformedReason::invalid_json) == 0);
}

TEST_CASE("bzip2, xz and zstd files are skipped and counted once", "[file]") {
  TempDir dir;
  append(dir.file("a.log.1.bz2"), "BZh91AY&SY" + std::string(20, '\x7f'));
  append(dir.file("a.log.2.xz"), std::string("\xfd"
                                             "7zXZ\x00\x00\x04",
                                             8) +
                                     std::string(20, 'x'));
  append(dir.file("a.log.3.zst"), std::string("\x28\xb5\x2f\xfd\x00", 5) + std::string(20, 'x'));
  Harness h(file_config(dir.file("a.log*")));
  h.start();
  h.settle();
  CHECK(h.skipped("bzip2") == 1);
  CHECK(h.skipped("xz") == 1);
  CHECK(h.skipped("zstd") == 1);
  // One still being written (a compresscmd at work) is the same skip.
  append(dir.file("a.log.2.xz"), std::string(20, 'y'));
  h.settle();
  append(dir.file("a.log.2.xz"), std::string(20, 'z'));
  h.settle();
  h.settle();
  CHECK(h.skipped("xz") == 1);
  CHECK(h.received() == 0);
  CHECK(h.input->followed_paths().empty());
}

TEST_CASE("what a glob matches that is not a regular file is said once and counted", "[file]") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo.log").c_str(), 0644) == 0);
  fs::create_directory(dir.file("dir.log"));
  fs::create_symlink(dir.file("nothing"), dir.file("dangling.log"));
  fs::create_symlink(dir.file("loop2.log"), dir.file("loop1.log"));
  fs::create_symlink(dir.file("loop1.log"), dir.file("loop2.log"));
  append(dir.file("real.log"), event_lines(1));
  Harness h(file_config(dir.file("*.log")));
  h.start();
  h.settle();
  h.settle();
  CHECK(h.skipped("fifo") == 1);
  CHECK(h.skipped("directory") == 1);
  CHECK(h.skipped("dangling_symlink") == 1);
  CHECK(h.skipped("symlink_loop") == 2);
  CHECK(h.input->followed_paths() == std::vector<std::string>{dir.file("real.log")});
  CHECK(h.errors() == 1);
}

TEST_CASE("a copy is recognised after a truncation found before anything asked the fingerprint",
          "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  auto copy = dir.file("app.log.1");
  append(path, event_lines(2));
  Harness h(file_config(dir.file("app.log*")));
  h.start();
  // copytruncate twice: the second file's fingerprint is only ever seen while reading it.
  for (auto rotation : {1, 2}) {
    append(path, event_lines(3));
    fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
    ::truncate(path.c_str(), 0);
    h.input->poll_now();  // finds the truncation first, then the copy
    while (h.io.poll() > 0) {
    }
    if (rotation == 1) {
      append(path, event_lines(4));
      h.settle();
      fs::remove(copy);
      h.settle();
    }
  }
  h.settle();
  CHECK(h.errors() == 12);
}

TEST_CASE("a file input renamed by a reload reports under its new name", "[file]") {
  TempDir dir;
  append(dir.file("a.log"), event_lines(1));
  ::mkfifo(dir.file("fifo.log").c_str(), 0644);
  Harness h(file_config(dir.file("*.log")));
  h.start();
  CHECK(h.gauge(metric::kFileInputFiles, "file") == 1);
  auto renamed = file_config(dir.file("*.log"));
  renamed.name = "renamed";
  h.input->reconfigure(renamed, LineParser(renamed.format, renamed.regex, 16384), 16384, nullptr);
  ::unlink(dir.file("fifo.log").c_str());
  h.settle();
  ::mkfifo(dir.file("fifo.log").c_str(), 0644);
  h.settle();
  CHECK(h.gauge(metric::kFileInputFiles, "file") == -1);
  CHECK(h.gauge(metric::kFileInputFiles, "renamed") == 1);
  CHECK(h.skipped("fifo") == 1);  // under the new name
}

TEST_CASE("a compressed rotation still being written waits for its end", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  auto state = dir.file("positions.json");
  append(path, event_lines(20));
  {
    RunWithState run(state, file_config(dir.file("app.log*")));
    run.stop();
  }
  append(path, event_lines(30));
  gzip_file(path, dir.file("whole.gz"));
  fs::remove(path);
  std::ifstream in(dir.file("whole.gz"), std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto rotated = dir.file("app.log.1.gz");
  append(rotated, gz.substr(0, gz.size() / 2));  // gzip has written half of it

  RunWithState run(state, file_config(dir.file("app.log*")));
  auto& h = run.h;
  h.settle();
  CHECK(h.received() == 0);
  append(rotated, gz.substr(gz.size() / 2));
  h.settle();
  h.settle();
  CHECK(h.lines(rotated) == 30);
  CHECK(h.errors() == 30);
  CHECK(h.malformed(MalformedReason::invalid_json) == 0);
}

TEST_CASE("a file opened before its compressed kind could be told is not taken for text",
          "[file]") {
  // gzip has written one byte of a new .gz when the glob finds it; by the
  // time its first line is asked for, the header and a newline are there.
  TempDir dir;
  auto path = dir.file("app.log.1.gz");
  append(path, std::string("\x1f", 1));
  auto reader = FileReader::open(path, 4096);
  REQUIRE(reader);
  CHECK(reader->kind() == FileKind::text);
  append(path, std::string("\x8b\x08\x00\x00\x00\x00\x00\x00\x03\n\x01\x02", 12));
  CHECK_FALSE(reader->fingerprint());
  auto reopened = FileReader::open(path, 4096);
  REQUIRE(reopened);
  CHECK(reopened->kind() == FileKind::gzip);
}
