#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cos_exporter {

// Joins CRI partial lines: `P` parts of one line are held per source (a file
// path, for file inputs) and stream until the `F` part ends them. The state
// lives here, not in a file reader, so a run that a rotation splits across
// two files of the same path is still joined once. After a restart the parts
// read before it are gone: the rest of the run is read as a line of its own,
// never counted twice.
//
// Memory: one run buffer per (source, stream), each at most max_line_bytes;
// at most kMaxSources sources hold a run at once.
class PartialLines {
 public:
  static constexpr std::size_t kMaxSources = 1024;

  enum class Outcome {
    pending,   // held until the run ends
    complete,  // `line` is the whole line
    too_long,  // the run just passed max_line_bytes: count it once, drop the rest
    dropped,   // part of a run already counted as too long
    no_room,   // kMaxSources runs are open already: the part is dropped
  };

  explicit PartialLines(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // A `P` part.
  Outcome add_part(std::string_view source, bool stderr_stream, std::string_view part);
  // An `F` part; on `complete`, `line` is the joined line (valid until the
  // next call) or `part` itself when no run was open.
  Outcome finish(std::string_view source, bool stderr_stream, std::string_view part,
                 std::string_view& line);

  std::size_t open_runs() const;
  void set_max_line_bytes(std::size_t max_line_bytes) noexcept { max_line_bytes_ = max_line_bytes; }

 private:
  struct Run {
    std::string text;
    bool open = false;
    bool overflowed = false;
  };
  struct Source {
    Run runs[2];  // stdout, stderr
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Run* find(std::string_view source, bool stderr_stream);

  std::size_t max_line_bytes_;
  std::unordered_map<std::string, Source, Hash, std::equal_to<>> sources_;
  std::string joined_;  // the last joined line
};

}  // namespace cos_exporter
