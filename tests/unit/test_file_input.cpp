// A file input following its glob: start_at, rotation, copytruncate, deletion,
// permissions, restarts.
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
