#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cos_exporter/counting/counter_cell.hpp"
#include "cos_exporter/counting/metric_store.hpp"
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

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool operator==(FileIdentity const&) const = default;
  auto operator<=>(FileIdentity const&) const = default;
};

// The cos_error_exporter_file_* series of one path (label `path`), created
// when the path is first followed and kept for the store's lifetime.
struct FileCells {
  CounterCell* lines = nullptr;
  CounterCell* rotations = nullptr;
  CounterCell* truncations = nullptr;
  GaugeCell* offset = nullptr;
  GaugeCell* size = nullptr;

  static FileCells create(MetricStore& store, std::string const& path);
};

// One open file, read from its current position with ::read into a fixed
// buffer (one per thread, shared by every reader: an idle file costs its
// partial line, not a buffer). Complete lines go to a LineSink; a partial last line waits in the
// buffer for its newline; a line longer than max_line_bytes is reported once
// as too long and skipped up to the next newline. A size below the read
// position (copytruncate) restarts reading at 0.
class FileReader {
 public:
  enum class Status { eof, more, error };
  struct ReadResult {
    Status status = Status::eof;
    std::uint64_t bytes = 0;        // bytes read
    std::uint64_t lines = 0;        // lines handed to the sink (too long ones included)
    std::uint64_t truncations = 0;  // times the file was found shorter than the position
    int error = 0;                  // errno, with Status::error
  };
  enum class Resume { resumed, truncated, replaced };

  // Opens `path` for reading at offset 0; null (and `error` set to errno, or
  // EINVAL for something other than a regular file) when it cannot.
  static std::unique_ptr<FileReader> open(std::string const& path, std::size_t max_line_bytes,
                                          int& error);
  ~FileReader();
  FileReader(FileReader const&) = delete;
  FileReader& operator=(FileReader const&) = delete;

  // Moves to `offset`. When the byte before it is not '\n' the reader is in
  // the middle of a line and skips to the next newline without counting.
  void seek(std::uint64_t offset);
  // Moves to the current end of the file (start_at: end).
  void seek_to_end();
  // Continues from a saved position when it describes this file (same device,
  // inode and fingerprint): at its offset (`resumed`), or at 0 when the file
  // is now shorter than the offset (`truncated`). Otherwise at 0 (`replaced`).
  Resume resume(FilePosition const& saved);
  bool matches(FilePosition const& saved) const;

  // Reads until end of file or until about `budget` bytes were read.
  ReadResult read(LineSink& sink, std::size_t budget);
  // Hands a final line that never got its newline to the sink (when a rotated
  // or deleted file is let go); returns the number of lines (0 or 1).
  std::uint64_t flush_partial(LineSink& sink);

  FileIdentity identity() const { return identity_; }
  // Offset just after the last complete line (or inside a skipped long line):
  // what a restart resumes from.
  std::uint64_t committed_offset() const { return committed_; }
  std::uint64_t read_offset() const { return offset_; }
  std::uint64_t size() const { return size_; }
  // Where this reader stands, with the fingerprint of the file's first bytes.
  FilePosition position(std::string const& path) const;

 private:
  FileReader(int fd, FileIdentity identity, std::uint64_t size, std::size_t max_line_bytes);
  void emit(std::string_view line, LineSink& sink, std::uint64_t& lines);
  void reset_to(std::uint64_t offset);

  int fd_;
  FileIdentity identity_;
  std::uint64_t size_;
  std::size_t max_line_bytes_;
  std::string partial_;          // the start of a line still waiting for its '\n'
  std::uint64_t offset_ = 0;     // next byte to read
  std::uint64_t committed_ = 0;  // after the last complete line
  bool skipping_ = false;        // inside a line that is dropped up to its '\n'
};

// One path the input follows: the file that is there now (its reader), what
// to do the first time it is opened, and its metric series. A file that
// replaces another at the path counts as a rotation.
class FileTailer {
 public:
  enum class Start { beginning, end, resume };
  enum class OpenResult { opened, missing, unreadable };

  FileTailer(std::string path, FileCells cells, std::size_t max_line_bytes);

  std::string const& path() const { return path_; }
  FileCells const& cells() const { return cells_; }
  FileReader* reader() const { return reader_.get(); }

  // How the file is positioned the first time it is opened. A later opening
  // (the file was rotated or re-created) always starts at 0.
  void set_start(Start start, std::optional<FilePosition> saved = std::nullopt,
                 bool replaced = false);
  // A saved position not yet applied (the file could not be opened yet).
  std::optional<FilePosition> const& pending_position() const { return saved_; }

  // Opens the file at the path. A file that could not be read is logged once
  // (and again once it can be read), and retried by the next call.
  OpenResult open(std::string_view input);
  // Takes over a reader that already follows the file now at this path (a
  // rotated file that is renamed into a path the glob matches).
  void adopt(std::unique_ptr<FileReader> reader);
  // Gives up the reader (the path now names another file, or none).
  std::unique_ptr<FileReader> release();

  // Reads the current file; true when data remains (the budget ran out).
  // Updates the lines, truncations, offset and size series.
  bool read(LineSink& sink, std::size_t budget, std::string_view input);

  // Scratch state of the owning input.
  bool dirty = false;
  std::optional<std::chrono::steady_clock::time_point> missing_since;

 private:
  std::string path_;
  FileCells cells_;
  std::size_t max_line_bytes_;
  std::unique_ptr<FileReader> reader_;
  Start start_ = Start::beginning;
  std::optional<FilePosition> saved_;
  bool replaced_ = false;  // the path held another file while the daemon was down
  bool followed_ = false;  // a file was followed at this path before
  int logged_error_ = 0;   // errno last logged for an open failure
  bool logged_read_error_ = false;
};

}  // namespace cos_exporter
