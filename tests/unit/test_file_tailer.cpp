// Tailing files: line splitting, long lines, truncation, rotation, restarts.
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

TEST_CASE("a file input reads existing files by start_at and new lines as they come", "[file]") {
  TempDir dir;
  append(dir.file("a.log"), event_lines(5) + "{\"code\":-9");  // ends mid-line
  SECTION("end") {
    Harness h(file_config(dir.file("*.log"), StartAt::end));
    h.start();
    CHECK(h.lines(dir.file("a.log")) == 0);
    CHECK(h.gauge(metric::kFileOffset, dir.file("a.log")) > 0);
    append(dir.file("a.log"), "6}\n" + event_lines(2));
    h.settle();
    CHECK(h.lines(dir.file("a.log")) == 2);  // the line begun before the start is skipped
    CHECK(h.errors() == 2);
    CHECK(h.input->followed_paths() == std::vector<std::string>{dir.file("a.log")});
  }
  SECTION("beginning") {
    Harness h(file_config(dir.file("*.log"), StartAt::beginning));
    h.start();
    CHECK(h.lines(dir.file("a.log")) == 5);
    append(dir.file("a.log"), "6}\n" + event_lines(2));
    h.settle();
    CHECK(h.lines(dir.file("a.log")) == 8);
    CHECK(h.errors() == 8);
    CHECK(h.gauge(metric::kFileOffset, dir.file("a.log")) ==
          static_cast<double>(fs::file_size(dir.file("a.log"))));
    CHECK(h.gauge(metric::kFileSize, dir.file("a.log")) ==
          static_cast<double>(fs::file_size(dir.file("a.log"))));
  }
  SECTION("files that appear later are read from their beginning") {
    Harness h(file_config(dir.file("*.log"), StartAt::end));
    h.start();
    append(dir.file("b.log"), event_lines(3));
    append(dir.file("b.txt"), event_lines(3));
    h.settle();
    CHECK(h.lines(dir.file("b.log")) == 3);
    CHECK(h.received() == 3);
  }
}

TEST_CASE("a file input follows a file renamed away and its replacement", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  int old_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  REQUIRE(old_fd >= 0);
  auto write_old = [&](int n) {
    auto text = event_lines(n);
    REQUIRE(::write(old_fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  };
  write_old(10);

  SECTION("the rotated name is not matched") {
    Harness h(file_config(path));
    h.input->set_drain_grace(std::chrono::hours(1));  // the old file is read until it is idle
    h.start();
    CHECK(h.lines(path) == 10);
    write_old(2);
    fs::rename(path, dir.file("app.log.1"));
    write_old(3);  // the writer has not reopened yet
    append(path, event_lines(4));
    h.settle();
    write_old(1);  // still draining: read before it is let go
    h.settle();
    h.settle();
    CHECK(h.lines(path) == 20);
    CHECK(h.errors() == 20);
    CHECK(h.rotations(path) == 1);
    append(path, event_lines(1));
    h.settle();
    CHECK(h.lines(path) == 21);
  }
  SECTION("the rotated name is matched too: it is not read twice") {
    Harness h(file_config(dir.file("app.log*")));
    h.start();
    fs::rename(path, dir.file("app.log.1"));
    write_old(3);
    append(path, event_lines(4));
    h.settle();
    write_old(2);
    h.settle();
    CHECK(h.errors() == 19);
    CHECK(h.lines(path) + h.lines(dir.file("app.log.1")) == 19);
    CHECK(h.input->followed_paths() ==
          std::vector<std::string>{dir.file("app.log"), dir.file("app.log.1")});
  }
  ::close(old_fd);
}

TEST_CASE("inotify drives reading between polls", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, "");
  Harness h(file_config(dir.file("*.log")));
  h.input->set_poll_interval(std::chrono::hours(1));
  h.start();
  append(path, event_lines(3));                 // IN_MODIFY: that file is read
  append(dir.file("new.log"), event_lines(2));  // IN_CREATE: the glob is evaluated again
  for (int i = 0; i < 200 && h.received() < 5; ++i) h.io.run_for(std::chrono::milliseconds(10));
  CHECK(h.lines(path) == 3);
  CHECK(h.lines(dir.file("new.log")) == 2);
}

TEST_CASE("a file reached through two paths is read once", "[file]") {
  TempDir dir;
  append(dir.file("a.log"), event_lines(3));
  fs::create_hard_link(dir.file("a.log"), dir.file("b.log"));
  Harness h(file_config(dir.file("*.log")));
  h.start();
  append(dir.file("b.log"), event_lines(2));
  h.settle();
  CHECK(h.received() == 5);
  CHECK(h.input->followed_paths().size() == 1);
}

TEST_CASE("a file input starts over after copytruncate", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, event_lines(10));
  Harness h(file_config(path));
  h.start();
  fs::copy_file(path, dir.file("app.log.1"));
  ::truncate(path.c_str(), 0);
  append(path, event_lines(3));
  h.settle();
  CHECK(h.lines(path) == 13);
  CHECK(h.truncations(path) == 1);
  CHECK(h.rotations(path) == 0);
}

TEST_CASE("a deleted file loses its series once read to its end and a re-created one is new",
          "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, event_lines(10));
  Harness h(file_config(path, StartAt::end));
  h.start();
  append(path, event_lines(2));
  h.settle();
  CHECK(h.lines(path) == 2);
  CHECK(h.gauge(metric::kFileInputFiles, h.input->name()) == 1);
  fs::remove(path);
  h.settle();
  h.settle();
  CHECK(h.input->followed_paths().empty());
  CHECK(h.gauge(metric::kFileInputFiles, h.input->name()) == 0);
  for (char const* family : {metric::kFileLines, metric::kFileRotations, metric::kFileTruncations})
    CHECK_FALSE(h.hub.store().find_counter(family)->has_series({path}));
  for (char const* family : {metric::kFileOffset, metric::kFileSize})
    CHECK_FALSE(h.hub.store().find_gauge(family)->has_series({path}));
  append(path, event_lines(4));
  h.settle();
  CHECK(h.lines(path) == 4);
  CHECK(h.rotations(path) == 0);
  CHECK(h.errors() == 6);
  CHECK(h.input->followed_paths() == std::vector<std::string>{path});
}

TEST_CASE("a file input waits for a directory that does not exist yet", "[file]") {
  TempDir dir;
  auto path = dir.file("later/app.log");
  Harness h(file_config(dir.file("later/*.log"), StartAt::end));
  h.start();
  CHECK(h.input->followed_paths().empty());
  fs::create_directory(dir.file("later"));
  append(path, event_lines(3));
  h.settle();
  CHECK(h.lines(path) == 3);
}

TEST_CASE("a file input counts too long lines as malformed and resynchronises", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  Harness h(file_config(path), nullptr, 64);
  h.start();
  append(path, event_lines(1) + std::string(1000, 'x') + "\n" + event_lines(1));
  h.settle();
  CHECK(h.lines(path) == 3);
  CHECK(h.errors() == 2);
  CHECK(h.malformed(MalformedReason::too_long) == 1);
  CHECK(h.received() == 3);
}

TEST_CASE("a file input without read permission retries and is not fatal", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  // Whether the input waits for the permission, then reads the whole file.
  auto scenario = [&] {
    append(path, event_lines(2));
    ::chmod(path.c_str(), 0);
    Harness h(file_config(path));
    h.start();
    bool waited = h.lines(path) == 0 && h.input->followed_paths().empty();
    ::chmod(path.c_str(), 0644);
    h.settle();
    return waited && h.lines(path) == 2;
  };
  if (::geteuid() != 0) {
    CHECK(scenario());
    return;
  }
  // Root reads anything: run it in a child process as nobody.
  ::chmod(dir.path().c_str(), 0777);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::_exit(scenario() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a restart resumes where the last run stopped", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  auto state = dir.file("state/positions.json");
  append(path, event_lines(10));
  {
    RunWithState run(state, file_config(dir.file("app.log*"), StartAt::end));
    append(path, event_lines(5) + "{\"code\":");  // a partial line at shutdown
    run.h.settle();
    CHECK(run.h.lines(path) == 5);
    run.stop();
  }
  SECTION("lines written while down are counted once") {
    append(path, "-96}\n" + event_lines(2));
    RunWithState run(state, file_config(dir.file("app.log*"), StartAt::end));
    auto& h = run.h;
    CHECK(h.lines(path) == 3);
    CHECK(h.errors() == 3);
  }
  SECTION("a file rotated while down is finished from its position") {
    append(path, "-96}\n" + event_lines(2));
    fs::rename(path, dir.file("app.log.1"));
    append(path, event_lines(4));
    RunWithState run(state, file_config(dir.file("app.log*"), StartAt::end));
    auto& h = run.h;
    CHECK(h.lines(dir.file("app.log.1")) == 3);
    CHECK(h.lines(path) == 4);
    CHECK(h.errors() == 7);
  }
  SECTION("a file replaced while down is read from 0 when its old file is gone") {
    fs::remove(path);
    append(path, event_lines(4));
    RunWithState run(state, file_config(dir.file("app.log*"), StartAt::end));
    auto& h = run.h;
    CHECK(h.lines(path) == 4);
    CHECK(h.rotations(path) == 1);
  }
  SECTION("a file truncated while down is read from 0") {
    ::truncate(path.c_str(), 0);
    append(path, event_lines(1));
    RunWithState run(state, file_config(dir.file("app.log*"), StartAt::end));
    auto& h = run.h;
    CHECK(h.lines(path) == 1);
  }
}

TEST_CASE("a file input reports its positions to the store periodically", "[file]") {
  TempDir dir;
  auto path = dir.file("app.log");
  append(path, event_lines(3));
  PositionStore positions(dir.file("positions.json"));
  Harness h(file_config(path), &positions);
  h.start();
  REQUIRE(positions.save());
  auto const& saved = positions.positions("file");
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].path == path);
  CHECK(saved[0].offset == fs::file_size(path));
  append(path, event_lines(1));
  h.settle();
  positions.save();
  CHECK(positions.positions("file")[0].offset == fs::file_size(path));
}
