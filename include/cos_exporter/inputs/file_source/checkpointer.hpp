#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cos_exporter/inputs/file_source/reader.hpp"
#include "cos_exporter/inputs/position_store.hpp"

namespace cos_exporter {

// The positions of one input's files that no reader holds now: loaded from the
// state file at start, or let go by a reader (its file was deleted, or
// truncated by copytruncate). A file that turns up with one of their
// fingerprints is checked against it (same bytes before the offset) and, when
// it is that file or a copy of it, takes the position over: a rotated copy or
// its gzip'ed content is read on from there, never from 0. Positions nobody
// claims are forgotten after `keep_for`.
class Checkpointer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Checkpointer(std::chrono::seconds keep_for = std::chrono::minutes(10))
      : keep_for_(keep_for) {}

  // The positions saved by the last run.
  void load(std::vector<FilePosition> saved, Clock::time_point now);
  // A reader let its file go at this position.
  void release(FilePosition position, Clock::time_point now);

  struct Claim {
    FileReader::Resume how;
    FilePosition position;
  };
  // Finds the position of the reader's file (at `path`) among those held,
  // applies it to the reader and forgets it (unless the file, compressed, is
  // still being written: Resume::incomplete); nullopt when none describes this
  // file. Another inode at the position's own path is a new file, never a copy
  // (logrotate's copies and compressed files get names of their own).
  std::optional<Claim> claim(FileReader& reader, std::string const& path);
  // Whether the last run saved a position for this inode, or for this path:
  // a file found there now that matched none was rewritten, or replaced,
  // while the exporter was stopped.
  bool saved_inode(FileIdentity identity) const;
  bool saved_path(std::string const& path) const;

  void expire(Clock::time_point now);
  void append_to(std::vector<FilePosition>& out) const;
  std::size_t size() const { return held_.size(); }

 private:
  struct Held {
    FilePosition position;
    Clock::time_point since;
  };
  std::vector<Held> held_;
  std::vector<FilePosition> saved_;  // as loaded, for saved_inode and saved_path
  std::chrono::seconds keep_for_;
};

}  // namespace cos_exporter
