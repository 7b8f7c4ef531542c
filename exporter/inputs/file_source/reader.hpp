#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byte_source.hpp"
#include "cos_exporter/inputs/position_store.hpp"

namespace cos_exporter {

// Where complete lines of a tailed file go. The file input forwards them to
// its LineProcessor; tests record them.
class LineSink {
 public:
  virtual ~LineSink() = default;
  // One line without its '\n' (and without a trailing '\r'), at most
  // max_line_bytes long.
  virtual void line(std::string_view line) noexcept = 0;
  // A line longer than max_line_bytes; its bytes are skipped up to the next '\n'.
  virtual void too_long() noexcept = 0;
};

// Reads the lines of one open file (text, or gzip through zlib) from its
// current position into a fixed buffer (one per thread, shared by every
// reader: an idle file costs its partial line, not a buffer). Complete lines
// go to a LineSink; a partial last line waits for its newline; a line longer
// than max_line_bytes is reported once as too long and skipped up to the next
// newline. A text file found shorter than the read position (copytruncate) is
// read again from 0. The reader keeps the last bytes before its committed
// offset, so that a saved position can be checked against a copy of the file.
class FileReader {
 public:
  enum class Status { eof, more, error, damaged };
  struct ReadResult {
    Status status = Status::eof;
    std::uint64_t bytes = 0;        // bytes read
    std::uint64_t lines = 0;        // lines handed to the sink (too long ones included)
    std::uint64_t truncations = 0;  // times the file was found shorter than the position
    int error = 0;                  // errno, with Status::error
  };
  // How a saved position applies to this file.
  enum class Resume {
    resumed,       // the same content up to the saved offset: read on from there
    truncated,     // the same file, now shorter than the offset: read from 0
    already_read,  // a copy that ends before the offset: nothing in it is new
    other,         // different content: not this position's file
    incomplete,    // a compressed file still being written: ask again later
  };

  // Reads `source` from 0.
  FileReader(std::unique_ptr<ByteSource> source, std::size_t max_line_bytes);
  // Opens `path` for reading at offset 0; null when it cannot (a file input
  // opens through open_byte_source, which says why).
  static std::unique_ptr<FileReader> open(std::string const& path, std::size_t max_line_bytes);

  // Moves to `offset`. When the byte before it is not '\n' the reader is in
  // the middle of a line and skips to the next newline without counting.
  void seek(std::uint64_t offset);
  // Moves to the current end of the file (start_at: end).
  void seek_to_end();
  // Applies a saved position whose fingerprint this file has (see Resume).
  // With `other` the reader is left at 0.
  Resume resume(FilePosition const& saved);

  // Reads until end of file or until about `budget` was spent: the bytes
  // read, and for each line handed on as much as a few dozen bytes cost.
  ReadResult read(LineSink& sink, std::size_t budget);
  // Hands a final line that never got its newline to the sink (when a rotated
  // or deleted file is let go); returns the number of lines (0 or 1).
  std::uint64_t flush_partial(LineSink& sink);

  FileIdentity identity() const { return source_->identity(); }
  FileKind kind() const { return source_->kind(); }
  // The file's fingerprint, once its first line is there (cached).
  std::optional<Fingerprint> const& fingerprint();
  // The first bytes of the content (at most kFingerprintBytes).
  std::string head() { return source_->head(); }
  // Whether `copy` holds what this reader read: the bytes just before its
  // committed offset (kept in memory, so a truncation since does not matter),
  // or, for a shorter copy, this file's bytes where the copy ends.
  bool copied_in(FileReader& copy);
  // The content's size as its container says it (the gzip trailer); a hint.
  std::optional<std::uint64_t> size_hint() { return source_->size_hint(); }
  // Offset just after the last complete line (or inside a skipped long line):
  // what a restart resumes from.
  std::uint64_t committed_offset() const { return committed_; }
  std::uint64_t read_offset() const { return offset_; }
  std::uint64_t size() const { return size_; }
  // The size of the file itself (compressed, for a gzip file).
  std::uint64_t stored_size() { return source_->stored_size(); }
  // Where this reader stands, with its fingerprint and the hash of the bytes
  // before the committed offset.
  FilePosition position(std::string const& path);
  // The position this reader had when it last found its file truncated (the
  // content before that still exists in logrotate's copy); taken once.
  std::optional<FilePosition> take_truncated_position();

  // The paths its file was followed at, first to last (a rename adds one):
  // what happened to its inode, for the rotation rules.
  void note_path(std::string const& path);
  bool was_at(std::string_view path) const;
  bool renamed() const { return paths_.size() > 1; }
  // Whether the (text) file is shorter now than where it was read: a
  // truncation not read yet.
  bool shrunk();

  // A compressed file that cannot be read further (Status::damaged): its data
  // is damaged, or its stream ends early and the file has not grown for the
  // stall limit (it was cut). What was read before stays read.
  struct Damage {
    char const* reason;  // damaged_gzip, truncated_gzip
    std::string error;   // zlib's words
  };
  std::optional<Damage> const& damage() const { return damage_; }
  // Whether a compressed file's first bytes cannot be read (damage() says why).
  bool damaged_head();
  void set_stall_limit(std::chrono::milliseconds limit) { stall_limit_ = limit; }

 private:
  void emit(std::string_view line, LineSink& sink, std::uint64_t& lines);
  void reset_to(std::uint64_t offset);
  void keep_tail(char const* data, std::size_t length);
  void refresh_size();
  bool stalled();

  std::unique_ptr<ByteSource> source_;
  std::size_t max_line_bytes_;
  std::uint64_t size_ = 0;
  std::string partial_;          // the start of a line still waiting for its '\n'
  std::string tail_;             // up to kTailBytes before committed_
  std::uint64_t offset_ = 0;     // next byte to read
  std::uint64_t committed_ = 0;  // after the last complete line
  bool skipping_ = false;        // inside a line that is dropped up to its '\n'
  std::optional<Fingerprint> fingerprint_;
  std::optional<FilePosition> truncated_;
  bool exhausted_ = false;  // a compressed copy with nothing new in it
  std::vector<std::string> paths_;
  std::optional<Damage> damage_;
  std::chrono::milliseconds stall_limit_{5000};
  std::optional<std::chrono::steady_clock::time_point> stalled_since_;
  std::uint64_t stalled_size_ = 0;
  std::uint64_t last_bytes_ = 0;  // of the last read: how dense its lines are
  std::uint64_t last_lines_ = 0;
};

}  // namespace cos_exporter
