#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cos_exporter/counting/counter_cell.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "file_source/reader.hpp"

namespace cos_exporter {

// The cos_error_exporter_file_* series of one path (label `path`): created
// when the path is first followed, removed when nothing is read there any more.
struct FileCells {
  CounterCell* lines = nullptr;
  CounterCell* rotations = nullptr;
  CounterCell* truncations = nullptr;
  GaugeCell* offset = nullptr;
  GaugeCell* size = nullptr;

  static FileCells create(MetricStore& store, std::string const& path);
  static void remove(MetricStore& store, std::string const& path);
};

// One path the input follows: the file that is there now (its reader) and
// the path's metric series. A file that replaces another at the path counts
// as a rotation.
class FollowedPath {
 public:
  // The series are created when a file is first followed here.
  FollowedPath(std::string path, MetricStore& store);
  // Removes the path's series (nothing is read at it any more).
  void remove_series();

  std::string const& path() const { return path_; }
  // Valid once a file was followed here (has_followed()).
  FileCells const& cells() const { return cells_; }
  FileReader* reader() const { return reader_.get(); }

  // What following a file at this path means for its series.
  enum class Change { none, truncated, replaced };
  // Starts reading a file at this path, positioned as `how` says (for the log).
  void follow(std::unique_ptr<FileReader> reader, std::string_view input, std::string_view how,
              Change change = Change::none);
  // Takes over a reader that already follows the file now at this path (a
  // rotated file that is renamed into a path the glob matches).
  void adopt(std::unique_ptr<FileReader> reader);
  // Gives up the reader (the path now names another file, or none).
  std::unique_ptr<FileReader> release();
  // A file at this path could not be opened: logged once per errno (and
  // once more when it can be opened again).
  void cannot_open(int error, std::string_view input);

  // Reads the current file; true when data remains (the budget ran out).
  // Updates the lines, truncations, offset and size series.
  bool read(LineSink& sink, std::size_t budget, std::string_view input);

  // Scratch state of the owning input.
  bool dirty = false;
  bool starting = false;                 // found by the input's first pass
  std::optional<FileIdentity> deferred;  // a copy of a file still read, or an unfinished .gz
  std::optional<std::chrono::steady_clock::time_point> missing_since;
  // When read() last counted a line here (the landing page's lag).
  std::optional<std::chrono::steady_clock::time_point> last_line_at;

 private:
  void show_position();

  std::string path_;
  MetricStore& store_;
  FileCells cells_;
  std::unique_ptr<FileReader> reader_;
  bool followed_ = false;  // a file was followed at this path before
  int logged_error_ = 0;   // errno last logged for an open failure
  bool logged_read_error_ = false;
};

}  // namespace cos_exporter
