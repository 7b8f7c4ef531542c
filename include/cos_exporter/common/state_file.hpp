#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cos_exporter/common/atomic_file.hpp"

namespace cos_exporter {

// The `state_file`: what the exporter keeps across restarts, one versioned
// JSON document of named sections, each a JSON value its owner reads and
// writes (the file inputs' positions, the counters):
//   {"version":2,"sequence":41,"sections":{"positions":{...},"counters":{...}}}
// `sequence` grows by one with every write. A version-1 file (positions only,
// {"version":1,"inputs":{...}}) reads as a "positions" section.
//
// Written atomically: `<path>.tmp`, fsync, rename, fsync the directory. A
// crash at any moment leaves the last complete file and perhaps a tmp file:
// load() takes the tmp file when it is complete and newer (the crash came
// between its fsync and the rename), else the file, and removes the tmp file.
// A file that cannot be used (not JSON, truncated, a newer version) is moved
// aside to `<path>.bad` so the next write does not destroy it, and the
// exporter starts fresh. load() logs one line saying which case it was.
class StateFile {
 public:
  enum class Outcome {
    restored,            // from the file
    restored_tmp,        // from a complete tmp file newer than the file
    upgraded_v1,         // a version-1 file: positions kept, counters fresh
    fresh_missing,       // no file yet
    fresh_unreadable,    // it could not be read (permissions, I/O error, too large)
    fresh_invalid,       // not JSON, truncated or not of the expected shape
    fresh_newer_version  // written by a newer exporter
  };
  static char const* name(Outcome outcome);
  static bool fresh(Outcome outcome) {
    return outcome != Outcome::restored && outcome != Outcome::restored_tmp &&
           outcome != Outcome::upgraded_v1;
  }

  struct Loaded {
    Outcome outcome = Outcome::fresh_missing;
    std::map<std::string, std::string> sections;  // name -> JSON text
    std::uint64_t sequence = 0;
    std::uint64_t version = 0;
    bool tmp_left = false;  // a tmp file was found (and removed)
    std::string detail;     // why a file was not used
  };

  explicit StateFile(std::string path) : path_(std::move(path)) {}

  std::string const& path() const { return path_; }
  // Reads the state (see above). Never throws.
  Loaded load();
  // Writes `sections` (name -> JSON text) as the next sequence.
  std::optional<AtomicWriteFailure> write(std::map<std::string, std::string> const& sections);
  // The document write() would write.
  std::string render(std::map<std::string, std::string> const& sections,
                     std::uint64_t sequence) const;
  // Why a document was not taken: fresh_invalid or fresh_newer_version.
  struct Rejected {
    Outcome outcome;
    std::string reason;
  };
  // Parses a state document (outcome restored, or upgraded_v1 for version 1).
  static std::variant<Loaded, Rejected> parse(std::string_view text);

  static constexpr std::uint64_t kVersion = 2;

 private:
  std::string path_;
  std::uint64_t sequence_ = 0;
};

}  // namespace cos_exporter
