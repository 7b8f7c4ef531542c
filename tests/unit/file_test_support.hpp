// Helpers of the file tailing tests: files to write, a recording sink, and a
// file input on its own io_context driven by hand.
#pragma once

#include <zlib.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "inputs/file_input.hpp"
#include "inputs/followed_path.hpp"
#include "test_support.hpp"

namespace cos_exporter::testing {

struct RecordingSink final : LineSink {
  void line(std::string_view l) noexcept override { lines.emplace_back(l); }
  void too_long() noexcept override { lines.emplace_back("<too long>"); }
  std::vector<std::string> lines;
};

inline void append(std::string const& path, std::string const& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

// Lines of events with request ids never used before: files are known by
// their content, so two files written with this are never taken for copies.
// Request ids go on from the last call's, or start at `first_id` (content that
// does not depend on which tests ran before).
inline std::string event_lines(int count, int code = -96, int first_id = -1) {
  static int next_id = 0;
  int id = first_id >= 0 ? first_id : std::exchange(next_id, next_id + count);
  std::string text;
  for (int i = 0; i < count; ++i)
    text += "{\"code\":" + std::to_string(code) + ",\"request_id\":\"r" + std::to_string(id++) +
            "\"}\n";
  return text;
}

// Writes `from`'s content gzip'ed to `to`, as logrotate's compress does.
inline void gzip_file(std::string const& from, std::string const& to) {
  std::ifstream in(from, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gzFile out = ::gzopen(to.c_str(), "wb");
  REQUIRE(out != nullptr);
  REQUIRE(::gzwrite(out, content.data(), static_cast<unsigned>(content.size())) ==
          static_cast<int>(content.size()));
  ::gzclose(out);
}

inline std::unique_ptr<FileReader> open_reader(std::string const& path, std::size_t max = 16384) {
  auto reader = FileReader::open(path, max);
  REQUIRE(reader != nullptr);
  return reader;
}

using Lines = std::vector<std::string>;

// One file with some text, and a reader of it.
struct OneFile {
  explicit OneFile(std::string const& text, std::size_t max_line_bytes = 16384) {
    append(path, text);
    reader = open_reader(path, max_line_bytes);
  }
  Lines const& read() {
    reader->read(sink, 1 << 20);
    return sink.lines;
  }
  Lines const& append_and_read(std::string const& text) {
    append(path, text);
    return read();
  }
  TempDir dir;
  std::string path = dir.file("a.log");
  RecordingSink sink;
  std::unique_ptr<FileReader> reader;
};

inline std::shared_ptr<Classifier const> classifier() {
  static auto shared = std::make_shared<Classifier const>(Catalog::builtin(), GroupMatcher{});
  return shared;
}

// A file input on its own io_context and hub, driven by hand.
struct Harness {
  explicit Harness(FileInputConfig config, PositionStore* positions = nullptr,
                   std::size_t max_line_bytes = 16384)
      : hub(classifier(), 64),
        input(std::make_unique<FileInput>(io, config, hub, positions, max_line_bytes)) {
    input->set_drain_grace(std::chrono::milliseconds(0));
  }
  void start() {
    input->start();
    settle();
  }
  // One full pass (glob, rotations, reading), then whatever it posted.
  void settle() {
    input->poll_now();
    while (io.poll() > 0) {
    }
  }
  std::uint64_t counter(char const* family, std::string const& path) const {
    auto const* f = hub.store().find_counter(family);
    if (f == nullptr) return 0;
    auto it = f->all().find({path});
    return it == f->all().end() ? 0 : it->second->value();
  }
  std::uint64_t lines(std::string const& path) const { return counter(metric::kFileLines, path); }
  std::uint64_t rotations(std::string const& path) const {
    return counter(metric::kFileRotations, path);
  }
  std::uint64_t truncations(std::string const& path) const {
    return counter(metric::kFileTruncations, path);
  }
  double gauge(char const* family, std::string const& path) const {
    auto const* f = hub.store().find_gauge(family);
    if (f == nullptr) return -1;
    auto it = f->all().find({path});
    return it == f->all().end() ? -1 : it->second->value();
  }
  std::uint64_t skipped(std::string const& reason) const {
    auto const* f = hub.store().find_counter(metric::kFileSkipped);
    if (f == nullptr) return 0;
    auto it = f->all().find({input->name(), reason});
    return it == f->all().end() ? 0 : it->second->value();
  }
  std::uint64_t received() const { return input->processor().counters().received->value(); }
  std::uint64_t errors() const {
    auto const* f = hub.store().find_counter(metric::kEvents);
    auto it = f->all().find({"error"});
    return it == f->all().end() ? 0 : it->second->value();
  }
  std::uint64_t malformed(MalformedReason reason) const {
    return input->processor().counters().malformed[static_cast<std::size_t>(reason)]->value();
  }

  boost::asio::io_context io;
  mutable CountingHub hub;
  std::unique_ptr<FileInput> input;
};

inline FileInputConfig file_config(std::string const& glob, StartAt start_at = StartAt::beginning) {
  FileInputConfig config;
  config.path = glob;
  config.format = EventFormat::json;
  config.start_at = start_at;
  return config;
}

// One run of the exporter with a state file: a position store loaded from
// `state` and a started file input recording into it. stop() is a shutdown:
// the input stops and the store is saved, for the next run to load.
struct RunWithState {
  RunWithState(std::string const& state, FileInputConfig config)
      : positions(state), h(std::move(config), &positions) {
    h.start();
  }
  void stop() {
    h.input->stop();
    REQUIRE(positions.save());
  }
  PositionStore positions;
  Harness h;
};

}  // namespace cos_exporter::testing
