// Reading one file: line splitting, long lines, budgets, truncation, resuming.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "file_test_support.hpp"

using namespace cos_exporter;
using namespace cos_exporter::testing;
namespace fs = std::filesystem;

TEST_CASE("a reader hands over complete lines and keeps a partial one", "[file]") {
  OneFile f("one\ntwo\r\nthr");
  auto result = f.reader->read(f.sink, 1 << 20);
  CHECK(result.status == FileReader::Status::eof);
  CHECK(result.lines == 2);
  CHECK(f.sink.lines == Lines{"one", "two"});
  CHECK(f.reader->committed_offset() == 9);
  CHECK(f.reader->read_offset() == 12);

  CHECK(f.append_and_read("ee\n\nfour") == Lines{"one", "two", "three", ""});
  CHECK(f.reader->committed_offset() == 16);
  CHECK(f.reader->flush_partial(f.sink) == 1);
  CHECK(f.sink.lines.back() == "four");
}

TEST_CASE("a line longer than max_line_bytes is counted once and skipped to its newline",
          "[file]") {
  OneFile f("", 8);
  SECTION("whole in the buffer") {
    CHECK(f.append_and_read("short\n" + std::string(20, 'x') + "\nafter\n12345678\r\n") ==
          Lines{"short", "<too long>", "after", "12345678"});
  }
  SECTION("arriving in pieces, longer than the read buffer") {
    // 9 bytes may still be 8 and a '\r': not too long yet.
    CHECK(f.append_and_read("short\n" + std::string(9, 'x')) == Lines{"short"});
    CHECK(f.append_and_read(std::string(300000, 'y')) == Lines{"short", "<too long>"});
    CHECK(f.reader->committed_offset() == f.reader->read_offset());
    CHECK(f.append_and_read("zzz\nnext\n") == Lines{"short", "<too long>", "next"});
  }
}

TEST_CASE("a reader reads a large file in budgeted steps", "[file]") {
  std::string text = event_lines(50000);
  OneFile f(text);
  int steps = 0;
  while (f.reader->read(f.sink, 256 * 1024).status == FileReader::Status::more) ++steps;
  CHECK(steps > 2);
  CHECK(f.sink.lines.size() == 50000);
  auto last = text.rfind('\n', text.size() - 2) + 1;
  CHECK(f.sink.lines[49999] == text.substr(last, text.size() - last - 1));
}

TEST_CASE("a reader starts over when the file gets shorter than its position", "[file]") {
  OneFile f("first line\nsecond line\n");
  f.read();
  ::truncate(f.path.c_str(), 0);
  append(f.path, "new\n");
  CHECK(f.reader->read(f.sink, 1 << 20).truncations == 1);
  CHECK(f.sink.lines == Lines{"first line", "second line", "new"});
  CHECK(f.reader->committed_offset() == 4);
}

TEST_CASE("seeking into the middle of a line skips it without counting", "[file]") {
  OneFile f("one\ntwo\nthr");
  f.reader->seek_to_end();
  CHECK(f.append_and_read("ee\nfour\n") == Lines{"four"});

  OneFile g("one\ntwo\nthree\n");
  g.reader->seek(4);
  CHECK(g.read() == Lines{"two", "three"});
  g.reader->seek(5);
  g.sink.lines.clear();
  CHECK(g.read() == Lines{"three"});
}

TEST_CASE("resuming checks the bytes before the saved offset", "[file]") {
  OneFile f("one\ntwo\n");
  f.read();
  FilePosition saved = f.reader->position(f.path);
  CHECK(saved.offset == 8);
  CHECK(saved.fingerprint_bytes == 4);  // the first line
  CHECK(saved.tail_bytes == 8);
  append(f.path, "three\n");
  auto again = open_reader(f.path);

  SECTION("same file") {
    CHECK(again->resume(saved) == FileReader::Resume::resumed);
    RecordingSink s;
    again->read(s, 1 << 20);
    CHECK(s.lines == Lines{"three"});
  }
  SECTION("the fingerprint is the first line, whatever is appended") {
    append(f.path, std::string(300, 'x') + "\n");
    CHECK(again->fingerprint() == Fingerprint{saved.fingerprint_bytes, saved.fingerprint});
  }
  SECTION("rewritten in place with the same first line") {
    saved.tail ^= 1;
    CHECK(again->resume(saved) == FileReader::Resume::truncated);
    CHECK(again->committed_offset() == 0);
  }
  SECTION("shorter than the saved offset") {
    saved.offset = 1000;
    CHECK(again->resume(saved) == FileReader::Resume::truncated);
  }
  SECTION("a copy in another inode") {
    std::string copy = f.dir.file("a.log.1");
    fs::copy_file(f.path, copy);
    auto reader = open_reader(copy);
    CHECK(reader->resume(saved) == FileReader::Resume::resumed);
    RecordingSink s;
    reader->read(s, 1 << 20);
    CHECK(s.lines == Lines{"three"});
  }
  SECTION("a copy made before the reader got to the saved offset") {
    std::string copy = f.dir.file("a.log.1");
    append(copy, "one\n");
    auto reader = open_reader(copy);
    CHECK(reader->resume(saved) == FileReader::Resume::already_read);
  }
  SECTION("another file with the same first line") {
    std::string other = f.dir.file("b.log");
    append(other, "one\nTWO\nthree\n");
    auto reader = open_reader(other);
    CHECK(reader->resume(saved) == FileReader::Resume::other);
  }
}
