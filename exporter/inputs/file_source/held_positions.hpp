#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cos_exporter/inputs/position_store.hpp"
#include "reader.hpp"

namespace cos_exporter {

// Why a position is held.
enum class HeldOrigin {
  saved,      // loaded from the state file
  truncated,  // its file was truncated in place: logrotate's copy holds what was before
  let_go,     // its file was read to its end and let go (deleted or renamed out of the glob)
};

// The positions of one input's files that no reader holds now: loaded from the
// state file at start, or let go by a reader (its file was deleted, or
// truncated by copytruncate). A file that turns up with one of their
// fingerprints is checked against it (same bytes before the offset) and, when
// it is that file or a copy of it, takes the position over: a rotated copy or
// its gzip'ed content is read on from there, never from 0. Which positions a
// file may take, and in which order, is claim_rank's rule (attach_rules.hpp):
// content alone cannot tell files whose lines are all alike apart. Positions
// nobody claims are forgotten after `keep_for`.
class HeldPositions {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HeldPositions(std::chrono::seconds keep_for = std::chrono::minutes(10))
      : keep_for_(keep_for) {}

  // The positions saved by the last run.
  void load(std::vector<FilePosition> saved, Clock::time_point now);
  // A reader let its file go at this position.
  void release(FilePosition position, Clock::time_point now, HeldOrigin origin);

  struct Claim {
    FileReader::Resume how;
    FilePosition position;
  };
  // Finds the position of the reader's file (at `path`) among those held,
  // applies it to the reader and forgets it (unless the file, compressed, is
  // still being written: Resume::incomplete); nullopt when none describes this
  // file. `original`: the file this one waited for as its copy.
  std::optional<Claim> claim(FileReader& reader, std::string const& path,
                             std::optional<FileIdentity> original = std::nullopt);
  // Whether the last run saved a position for this inode, or for this path:
  // a file found there now that matched none was rewritten, or replaced,
  // while the exporter was stopped.
  bool saved_inode(FileIdentity identity) const;
  bool saved_path(std::string const& path) const;
  // Whether the position a file had when it was found truncated is held (for its copy).
  bool holds_truncated(FileIdentity identity) const;

  void expire(Clock::time_point now);
  void append_to(std::vector<FilePosition>& out) const;
  std::size_t size() const { return held_.size(); }

 private:
  struct Held {
    FilePosition position;
    Clock::time_point since;
    HeldOrigin origin;
  };
  std::vector<Held> held_;
  std::vector<FilePosition> saved_;  // as loaded, for saved_inode and saved_path
  std::chrono::seconds keep_for_;
};

}  // namespace cos_exporter
