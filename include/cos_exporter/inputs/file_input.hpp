#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/file_tailer.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "cos_exporter/intake/line_processor.hpp"

namespace cos_exporter {

// An `inputs.files` entry (SPEC §9, issue 4): follows every regular file its
// glob matches, re-evaluating the glob while running. Learns of changes from
// inotify (one watch per directory the glob can match in) and, as a fallback,
// from a periodic poll that also re-evaluates the glob, retries unreadable
// files and watches directories that appear later.
//
// Files and their fate:
//  - found when the input starts: resumed from the PositionStore when it holds
//    the file (same device, inode and fingerprint, under any path of this
//    input: a file rotated while the daemon was down is finished from where it
//    stopped); read from 0 when the store held another file at that path;
//    otherwise `start_at` decides.
//  - found later (new, re-created, renamed into place): read from 0.
//  - the path names another file now, or none (rename, delete): the old file
//    is read to its end and then for a grace period, in case its writer still
//    appends, before it is closed. When the glob finds it under its new name
//    it goes on being read there, from where it was.
//  - shorter than the read position (copytruncate): read again from 0.
// A file is identified by (device, inode): it is never read twice at once.
// Everything runs on the io_context's thread.
class FileInput {
 public:
  FileInput(boost::asio::io_context& io, FileInputConfig config, CountingHub& hub,
            PositionStore* positions /* may be null */, std::size_t max_line_bytes);
  ~FileInput();
  FileInput(FileInput const&) = delete;
  FileInput& operator=(FileInput const&) = delete;

  void start();
  // Stops watching and reading; records the final positions into the
  // PositionStore (the caller saves it).
  void stop();

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

  void open_inotify();
  void arm_inotify();
  void on_inotify();
  void update_watches();
  void arm_timer();
  void schedule_pass();
  void run_pass();
  void full_pass(bool starting);
  std::map<std::string, FileIdentity> glob_files() const;
  FileTailer& add_tailer(std::string const& path, FileIdentity identity, bool starting);
  void attach(FileTailer& tailer, FileIdentity identity, std::set<FileIdentity>& followed);
  bool read_draining(Draining& draining);
  void record_positions();
  static std::string event_key(std::string const& directory, std::string_view name);
  static std::string directory_of(std::string const& path);

  boost::asio::io_context& io_;
  FileInputConfig config_;
  CountingHub& hub_;
  PositionStore* positions_;
  std::size_t max_line_bytes_;
  LineProcessor processor_;
  Sink sink_{processor_};
  GaugeCell* files_followed_;

  std::vector<std::unique_ptr<FileTailer>> tailers_;
  std::unordered_map<std::string, FileTailer*> by_path_;
  std::unordered_map<std::string, FileTailer*> by_event_key_;
  std::vector<Draining> draining_;
  std::vector<FilePosition> unclaimed_;   // saved positions not matched yet (start only)
  std::vector<std::string> saved_paths_;  // paths the store held at start

  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::map<int, std::string> watch_dirs_;  // watch descriptor -> directory
  std::map<std::string, int> watched_;     // directory -> watch descriptor
  std::string scratch_key_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds poll_interval_{1000};
  std::chrono::milliseconds drain_grace_{5000};
  bool started_ = false;
  bool stopped_ = false;
  bool pass_posted_ = false;
  bool full_requested_ = false;
  bool logged_no_inotify_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace cos_exporter
