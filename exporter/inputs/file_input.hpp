#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "cos_exporter/common/lifetime.hpp"
#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/input.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "file_source/held_positions.hpp"
#include "file_source/paths_provider.hpp"
#include "file_source/watcher.hpp"
#include "followed_path.hpp"

namespace cos_exporter {

// An `inputs.files` entry: follows every file its glob matches, after the
// model of Vector's file source. The PathsProvider says what the glob matches,
// the Watcher when to look, each FileReader reads one file, the HeldPositions
// holds the positions no reader holds, and a file is known by its fingerprint
// (its first line) with device and inode. Where a file starts to be read is
// one decision, made when it is first opened:
//  - a saved position of this file or of the file it is a copy of (a
//    logrotate copy, or its gzip'ed content): read on from there, or not at
//    all when the copy ends before it;
//  - found by the first pass: `start_at` (but from 0 when the file at this
//    path or inode was another one when the last run stopped);
//  - found later: from 0.
// A file without a complete first line (and shorter than kFingerprintBytes)
// waits. A file found where a followed file was renamed away from is a new
// file (`create`), whatever its lines look like. A text file whose first line
// a reader holds for another inode, never renamed, is a copy of that file
// while their bytes agree; a compressed one is a copy of a renamed, deleted
// or truncated file with its first line: it waits until that reader lets go
// (truncation by copytruncate, or deletion), then takes over its position.
// A file is gzip'ed once: no two compressed files wait for the same one, and
// each keeps to the one it waited for (by identity, under any later name)
// while that is still its original. A pass attaches files in path order, so
// a copy takes its position before its ".gz" looks, and a path whose file
// changed between the glob's look and the open is left to the next pass.
// A file decided not to be read (compressed and read already, or in a format
// not read) stays so under any name, by device and inode.
// A path that names another file now, or none, lets its old file be read to
// its end and then for a grace period. When the glob finds it under its new
// name it goes on being read there. bzip2, xz and zstd files are not read
// (logged once, counted). The per-path series of a path that has been gone for
// the grace period, with nothing read from it any more, are removed.
// Everything runs on the io_context's thread.
class FileInput final : public Input {
 public:
  FileInput(boost::asio::io_context& io, FileInputConfig config, CountingHub& hub,
            PositionStore* positions /* may be null */, std::size_t max_line_bytes);
  ~FileInput();
  FileInput(FileInput const&) = delete;
  FileInput& operator=(FileInput const&) = delete;

  void start() override;
  // Stops watching and reading; records the final positions into the
  // PositionStore (the caller saves it).
  void stop() override;
  // The glob with the files followed, and how many.
  InputStatus status() const override;
  void reconfigure(InputConfig const& config, LineParser parser,
                   InputContext const& context) override;

  // Takes over the settings of `config`, whose glob is this input's, keeping
  // every open file and its position. `parser` is the new config's, built by
  // the caller (where building can still fail harmlessly). Files opened from
  // now on use `max_line_bytes`; open ones keep their line buffer, while the
  // parser applies the new limit to every line. Positions are recorded into
  // `positions` from now on (after a last record into the old store).
  void reconfigure(FileInputConfig config, LineParser parser, std::size_t max_line_bytes,
                   PositionStore* positions /* may be null */);

  std::string const& name() const { return config_.name; }
  FileInputConfig const& config() const { return config_; }
  // Paths with a file open now, sorted.
  std::vector<std::string> followed_paths() const;
  LineProcessor const& processor() const { return processor_; }

  // The poll fallback's period (default 1 s); for tests. Call before start().
  void set_poll_interval(std::chrono::milliseconds interval) { poll_interval_ = interval; }
  // How long a rotated or deleted file is still read after it stops growing
  // (default 5 s); for tests.
  void set_drain_grace(std::chrono::milliseconds grace) { drain_grace_ = grace; }
  // Runs one pass now: the glob, rotations, and reading (for tests).
  void poll_now();
  // Runs just before a path the glob found is opened (for tests: a rotation
  // that lands between the glob's look and the open).
  void set_before_open(std::function<void(std::string const&)> hook) {
    before_open_ = std::move(hook);
  }

 private:
  // Lines carry the path they were read at: CRI partial lines are joined per
  // path, across a rotation.
  struct Sink final : LineSink {
    explicit Sink(LineProcessor& p) : processor(p) {}
    void line(std::string_view line) noexcept override { processor.process_line(line, source); }
    void too_long() noexcept override { processor.count_too_long(); }
    LineProcessor& processor;
    std::string_view source;
  };
  Sink& sink_for(std::string const& path) {
    processor_.set_source_path(path);  // for its path labels
    sink_.source = path;
    return sink_;
  }
  // A file no longer at its path, read until it has been idle for a while.
  struct Draining {
    std::string path;  // where it was followed; its lines count there
    CounterCell* lines;
    std::unique_ptr<FileReader> reader;
    std::chrono::steady_clock::time_point last_data;
  };
  using Clock = std::chrono::steady_clock;

  void schedule_pass();
  void run_pass();
  bool slice_over() const;
  void full_pass(bool starting);
  void let_go_of_moved_files(std::map<std::string, FoundFile> const& found, Clock::time_point now);
  void finish_draining(Clock::time_point now);
  void forget_gone_paths(std::map<std::string, FoundFile> const& found, Clock::time_point now);
  FollowedPath& add_followed_path(std::string const& path, bool starting);
  // file_attach.cpp: the rotation and resume rules applied to a file found.
  void attach(FollowedPath& followed_path, FoundFile const& file);
  std::unique_ptr<FileReader> open_reader(FollowedPath& followed_path, FoundFile const& file);
  std::optional<FileIdentity> original_of(FileReader& candidate, std::string const& path);
  // Whether another compressed file waits for `original`: a file is gzip'ed once.
  bool compressed_elsewhere(FileIdentity original, FileIdentity candidate) const;
  void start_reading(FollowedPath& followed_path, std::unique_ptr<FileReader> reader);
  // Not read, under any name, in this run and (through the state file) after
  // a restart: a damaged or already read compressed file, or one of a kind
  // not read. `path`: where it was found.
  void settle(FoundFile const& file, char const* reason, std::string const& path);
  bool is_settled(FoundFile const& file) const;
  void keep_settled(std::map<std::string, FoundFile> const& found, Clock::time_point now);
  void keep_waiting(std::map<std::string, FoundFile> const& found, Clock::time_point now);
  void mark_dirty(FollowedPath& followed_path);
  bool read_followed_path(FollowedPath& followed_path);
  void keep_truncated_position(FileReader& reader, std::string const& path);
  bool read_draining(Draining& draining);
  void give_up_damaged(FileReader& reader, std::string const& path);
  void count_skip(char const* reason);
  void load_positions(std::vector<FilePosition> saved);
  void show_restored_skips();
  void record_positions();

  boost::asio::io_context& io_;
  FileInputConfig config_;
  CountingHub& hub_;
  PositionStore* positions_;
  std::size_t max_line_bytes_;
  LineProcessor processor_;
  Sink sink_{processor_};
  PathsProvider paths_;
  Watcher watcher_;
  HeldPositions checkpoints_;
  GaugeCell* files_followed_;

  std::vector<std::unique_ptr<FollowedPath>> followed_paths_;
  std::unordered_map<std::string, FollowedPath*> by_path_;
  std::vector<FollowedPath*> dirty_;    // written since they were last read
  std::vector<FollowedPath*> reading_;  // the pass's share of dirty_
  std::vector<Draining> draining_;
  std::set<FileIdentity> followed_;  // identities with a reader this pass
  // Files decided not to be read, whatever their name: their size then, and
  // when the glob last found them (forgotten after a while without). Kept in
  // the state file (`settled_size`), so a restart does not read them again.
  struct Settled {
    std::uint64_t size;
    Clock::time_point seen;
    std::string path;  // where it was found
  };
  std::map<FileIdentity, Settled> settled_;
  // Copies found while their original was still read: what each waits for
  // (by the copy's identity, whatever its name now), until it is followed or
  // settled, or a while after the glob last found it.
  struct Waiting {
    FileIdentity original;
    bool compressed;
    Clock::time_point seen;
  };
  std::map<FileIdentity, Waiting> waiting_;

  Clock::time_point slice_end_{};  // when the running pass hands the loop back
  std::chrono::milliseconds poll_interval_{1000};
  std::chrono::milliseconds drain_grace_{5000};
  bool started_ = false;
  bool stopped_ = false;
  bool pass_posted_ = false;
  bool full_requested_ = false;
  std::function<void(std::string const&)> before_open_;
  Lifetime lifetime_;
};

}  // namespace cos_exporter
