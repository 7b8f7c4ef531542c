// Rotations the content cannot tell apart: every line alike, and compressed
// files renamed after they were recognised as read. Driven by hand, pass by
// pass, as logrotate would leave the directory between two looks.
#include <unistd.h>

#include <filesystem>
#include <thread>

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

// logrotate's create + compress: app.log renamed (a new one written, if
// `new_content`), read to its end and let go, then gzip'ed to app.log.1.gz.
void rotate_and_compress(TempDir& dir, Harness& h, std::string const& new_content = {}) {
  fs::rename(dir.file("app.log"), dir.file("app.log.1"));
  if (!new_content.empty()) append(dir.file("app.log"), new_content);
  h.settle();
  h.settle();  // read to its end and let go
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  fs::remove(dir.file("app.log.1"));
  h.settle();
  h.settle();
}

// app.log under the glob app.log*, and a directory outside the glob where a
// rotation's files are made before they land.
struct RotatingLog {
  RotatingLog() { fs::create_directory(keep); }
  TempDir dir;
  std::string path = dir.file("app.log");
  std::string keep = dir.file("elsewhere");
  Harness h{file_config(dir.file("app.log*"))};
};

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
  rotate_and_compress(dir, h);
  REQUIRE(h.skipped("compressed_already_read") == 1);
  for (int i = 1; i <= 3; ++i) {
    fs::rename(dir.file("app.log." + std::to_string(i) + ".gz"),
               dir.file("app.log." + std::to_string(i + 1) + ".gz"));
    h.settle();
  }
  CHECK(h.errors() == 5);
  CHECK(h.skipped("compressed_already_read") == 1);
}

TEST_CASE("a compressed file recognised as read is not read again after a restart", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, event_lines(5));
  auto state = dir.file("positions.json");
  {
    PositionStore positions(state);
    Harness h(file_config(dir.file("app.log*")), &positions);
    h.start();
    rotate_and_compress(dir, h, event_lines(2));
    REQUIRE(h.skipped("compressed_already_read") == 1);
    REQUIRE(h.errors() == 7);
    h.input->stop();
    REQUIRE(positions.save());
  }
  append(path, event_lines(1));  // written while stopped
  // Twice: the second run keeps it in the state file too; then rotated on.
  for (int run = 0; run < 2; ++run) {
    PositionStore positions(state);
    Harness h(file_config(dir.file("app.log*")), &positions);
    h.start();
    h.settle();
    if (run == 1) {
      fs::rename(dir.file("app.log.1.gz"), dir.file("app.log.2.gz"));
      h.settle();
    }
    CHECK(h.errors() == (run == 0 ? 1 : 0));
    CHECK(h.lines(dir.file("app.log.1.gz")) + h.lines(dir.file("app.log.2.gz")) == 0);
    CHECK(h.skipped("compressed_already_read") == 0);  // counted by the run that found it
    h.input->stop();
    REQUIRE(positions.save());
  }
}

TEST_CASE_METHOD(
    RotatingLog,
    "create + compress with lines alike: two rotated files let go at once; each .gz is its own",
    "[file]") {
  // Rotations quicker than the drain grace: two rotated files are read to
  // their ends under the same name (app.log.1) and let go, and only then are
  // their compressed forms found. The writer appended to each after gzip had
  // read it, so each .gz holds less than was read of it.
  append(path, alike_lines(10));
  h.start();
  for (int rotation = 0; rotation < 2; ++rotation) {
    fs::rename(path, dir.file("app.log.1"));
    append(path, alike_lines(2));
    h.settle();  // followed under its new name
    gzip_file(dir.file("app.log.1"), keep + "/" + std::to_string(rotation) + ".gz");
    append(dir.file("app.log.1"), alike_lines(rotation == 0 ? 5 : 1));  // after gzip read it
    fs::remove(dir.file("app.log.1"));
    h.settle();  // read to its end and let go
    h.settle();
  }
  REQUIRE(h.errors() == 10 + 5 + 2 + 1 + 2);
  fs::rename(keep + "/0.gz", dir.file("app.log.2.gz"));  // 10 lines; 15 were read
  fs::rename(keep + "/1.gz", dir.file("app.log.1.gz"));  // 2 lines; 3 were read
  h.settle();
  h.settle();
  CHECK(h.errors() == 10 + 5 + 2 + 1 + 2);
  CHECK(h.skipped("compressed_already_read") == 2);
  CHECK(h.lines(dir.file("app.log.1.gz")) + h.lines(dir.file("app.log.2.gz")) == 0);
}

TEST_CASE_METHOD(
    RotatingLog,
    "a path whose file is replaced between the glob's look and its opening is decided anew",
    "[file]") {
  // copytruncate + compress under load: gzip's output is renamed over a name
  // the glob has just seen holding another file.
  auto gz = dir.file("app.log.1.gz");
  append(path, event_lines(10));
  append(gz, "no whole line yet");  // found, and waits for its first line
  h.start();
  REQUIRE(h.errors() == 10);
  fs::copy_file(path, keep + "/copy");
  fs::resize_file(path, 0);
  gzip_file(keep + "/copy", keep + "/copy.gz");
  bool replaced = false;
  h.input->set_before_open([&](std::string const& opened) {
    if (replaced || opened != gz) return;
    replaced = true;
    fs::rename(keep + "/copy.gz", gz);
  });
  for (int i = 0; i < 4; ++i) h.settle();
  CHECK(replaced);
  CHECK(h.errors() == 10);
  CHECK(h.skipped("compressed_already_read") == 1);
}

TEST_CASE_METHOD(
    RotatingLog,
    "a copy and its .gz found in one pass: the copy takes the position, the .gz waits for it",
    "[file]") {
  // copytruncate + compress between two looks: the truncated position is the
  // copy's, whichever of the two names the input met first.
  auto copy = dir.file("app.log.1");
  auto gz = dir.file("app.log.1.gz");
  append(path, event_lines(10));
  append(gz, "no whole line yet");  // the input knows this name before the copy's
  h.start();
  REQUIRE(h.errors() == 10);
  fs::copy_file(path, copy);
  fs::resize_file(path, 0);
  gzip_file(copy, keep + "/copy.gz");
  fs::rename(keep + "/copy.gz", gz);
  append(path, event_lines(2));
  h.settle();
  CHECK(h.errors() == 12);
  fs::remove(copy);  // logrotate, once gzip is done
  for (int i = 0; i < 3; ++i) h.settle();
  CHECK(h.errors() == 12);
  CHECK(h.skipped("compressed_already_read") == 1);
}

TEST_CASE_METHOD(
    RotatingLog,
    "copytruncate + compress with lines alike: each .gz takes the position of its own copy",
    "[file]") {
  // The copy of one rotation is still read (its grace not over) when the
  // next rotation's copy is made, truncated away and gzip'ed between two
  // looks, under the name the first copy's .gz had: both .gz files then name
  // the first copy as theirs, by content and by name. Only the first was
  // made of it; the second is the compression of what the truncation cut.
  append(path, alike_lines(10));
  h.input->set_drain_grace(std::chrono::hours(1));
  h.start();
  // Rotation 1, seen step by step: the copy, its .gz beside it, the copy removed.
  fs::copy_file(path, dir.file("app.log.1"));
  fs::resize_file(path, 0);
  h.settle();
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  h.settle();
  fs::remove(dir.file("app.log.1"));
  h.settle();
  append(path, alike_lines(5));
  h.settle();
  append(path, alike_lines(2));  // not read before the next truncation
  REQUIRE(h.errors() == 15);
  // Rotation 2, all between two looks.
  fs::rename(dir.file("app.log.1.gz"), dir.file("app.log.2.gz"));
  fs::copy_file(path, keep + "/copy");
  fs::resize_file(path, 0);
  gzip_file(keep + "/copy", dir.file("app.log.1.gz"));
  h.settle();
  h.input->set_drain_grace(std::chrono::milliseconds(0));
  for (int i = 0; i < 4; ++i) h.settle();
  CHECK(h.errors() == 17);
  CHECK(h.skipped("compressed_already_read") == 1);
}

TEST_CASE_METHOD(RotatingLog,
                 "create + compress with lines alike: each .gz keeps to the file it waited for",
                 "[file]") {
  // The first .gz is renamed on while its file is still read, and the next
  // rotated file is as good a match for it by content and by history; the
  // first rotated file is let go before the second.
  append(path, alike_lines(10));
  h.input->set_drain_grace(std::chrono::hours(1));
  h.start();
  auto rotate = [&] {
    if (fs::exists(dir.file("app.log.1.gz")))
      fs::rename(dir.file("app.log.1.gz"), dir.file("app.log.2.gz"));
    fs::rename(path, dir.file("app.log.1"));
    h.settle();
    gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
    h.settle();
    fs::remove(dir.file("app.log.1"));
    h.settle();
  };
  rotate();
  append(path, alike_lines(8));
  h.settle();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rotate();
  h.input->set_drain_grace(std::chrono::milliseconds(200));
  h.settle();  // the first rotated file is let go, the second still read
  h.settle();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) h.settle();
  CHECK(h.errors() == 18);
  CHECK(h.skipped("compressed_already_read") == 2);
}

TEST_CASE_METHOD(RotatingLog, "a .gz that gzip finishes between the glob's look and its opening",
                 "[file]") {
  // It is decided complete, so it is kept settled at the size it has then,
  // not the one the glob saw.
  auto gz = dir.file("app.log.1.gz");
  append(path, event_lines(10));
  h.start();
  fs::copy_file(path, keep + "/copy");
  fs::resize_file(path, 0);
  gzip_file(keep + "/copy", keep + "/copy.gz");
  std::string compressed = read_file(keep + "/copy.gz");
  append(gz, compressed.substr(0, compressed.size() / 2));
  h.input->set_before_open([&](std::string const& opened) {
    if (opened == gz && fs::file_size(gz) < compressed.size())
      append(gz, compressed.substr(compressed.size() / 2));
  });
  for (int i = 0; i < 4; ++i) h.settle();
  CHECK(h.errors() == 10);
  CHECK(h.skipped("compressed_already_read") == 1);
}

TEST_CASE_METHOD(RotatingLog, "a .gz missed by one look still keeps to the file it waited for",
                 "[file]") {
  // A rename seen half done: the .gz is under neither name for one pass.
  // The first rotated file is let go before the second.
  append(path, alike_lines(10));
  h.input->set_drain_grace(std::chrono::hours(1));
  h.start();
  fs::rename(path, dir.file("app.log.1"));
  h.settle();
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  h.settle();
  fs::remove(dir.file("app.log.1"));
  append(path, alike_lines(8));
  h.settle();
  fs::rename(dir.file("app.log.1.gz"), keep + "/1.gz");
  h.settle();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  fs::rename(path, dir.file("app.log.1"));
  fs::rename(keep + "/1.gz", dir.file("app.log.2.gz"));
  h.settle();
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  h.settle();
  fs::remove(dir.file("app.log.1"));
  h.input->set_drain_grace(std::chrono::milliseconds(200));
  h.settle();
  h.settle();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) h.settle();
  CHECK(h.errors() == 18);
  CHECK(h.skipped("compressed_already_read") == 2);
}

TEST_CASE_METHOD(RotatingLog,
                 "a .gz that waited for the live file's truncation then waits for the copy",
                 "[file]") {
  // copytruncate + compress: the copy and its .gz are found while the
  // truncation is not read yet; once it is, the copy takes its position and
  // the .gz (made of the copy) waits for the copy, not for the live file.
  append(path, alike_lines(10));
  h.start();
  fs::copy_file(path, dir.file("app.log.1"));
  gzip_file(dir.file("app.log.1"), dir.file("app.log.1.gz"));
  bool truncated = false;
  h.input->set_before_open([&](std::string const& opened) {
    if (truncated || opened != dir.file("app.log.1")) return;
    truncated = true;
    fs::resize_file(path, 0);  // after the pass read the live file
  });
  h.settle();
  h.settle();
  fs::remove(dir.file("app.log.1"));
  for (int i = 0; i < 4; ++i) h.settle();
  CHECK(truncated);
  CHECK(h.errors() == 10);
  CHECK(h.skipped("compressed_already_read") == 1);
}

TEST_CASE_METHOD(RotatingLog, "create + delaycompress with lines alike: each .gz is its own file",
                 "[file]") {
  // Each rotation gzips the file the last one renamed while the one it
  // renames now is as good a match by content and by history; the rotated
  // files are still read (their grace not over) when their .gz turn up.
  append(path, alike_lines(10));
  h.input->set_drain_grace(std::chrono::hours(1));
  h.start();
  int written = 10;
  for (int rotation = 0; rotation < 4; ++rotation) {
    for (int i = 4; i >= 2; --i)
      if (fs::exists(dir.file("app.log." + std::to_string(i) + ".gz")))
        fs::rename(dir.file("app.log." + std::to_string(i) + ".gz"),
                   dir.file("app.log." + std::to_string(i + 1) + ".gz"));
    if (fs::exists(dir.file("app.log.1"))) {
      gzip_file(dir.file("app.log.1"), keep + "/1.gz");
      fs::remove(dir.file("app.log.1"));
      fs::rename(keep + "/1.gz", dir.file("app.log.2.gz"));
    }
    fs::rename(path, dir.file("app.log.1"));
    append(path, alike_lines(3 + rotation * 2));
    written += 3 + rotation * 2;
    h.settle();
    h.settle();
  }
  h.input->set_drain_grace(std::chrono::milliseconds(0));
  for (int i = 0; i < 4; ++i) h.settle();
  CHECK(h.errors() == static_cast<std::uint64_t>(written));
  CHECK(h.skipped("compressed_already_read") == 3);
}
