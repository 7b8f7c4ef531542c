#pragma once

#include <optional>
#include <string_view>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/inputs/file_source/fingerprint.hpp"
#include "file_kind.hpp"
#include "held_positions.hpp"
#include "reader.hpp"

namespace cos_exporter {

// The rules of following rotated files, as pure functions over facts that
// FileInput gathers (no file is opened here): what to do with a file the
// glob finds, whether it is a copy of a file still read, which held position
// it may take over, and where reading starts. Content alone cannot tell
// files whose lines are all alike apart; these rules use what happened to
// each inode: a file renamed away from its path left a new file there
// (`create`), a file truncated in place left a copy elsewhere
// (`copytruncate`), a compressed file is made of a file that was renamed,
// deleted or truncated, or that sits at its name less the extension.

// ---------------------------------------------------------------- found

struct FoundFacts {
  bool read_elsewhere = false;  // a reader at another path follows this inode
  bool draining = false;        // a reader that left its path follows this inode
  bool settled = false;         // decided before, under any name: not read
};
enum class FoundStep {
  ignore,  // followed elsewhere, or settled: nothing to do
  adopt,   // take over the draining reader (renamed into a path the glob matches)
  open,    // open it and look further
};
FoundStep on_found(FoundFacts facts) noexcept;

// ---------------------------------------------------------------- copies

// A file still read (the candidate original) as seen by a file just found.
struct OriginalFacts {
  bool same_first_line = false;
  bool text = true;                  // the original is a text file
  bool bytes_agree = false;          // (text candidate) same bytes where both have them
  bool left_candidate_path = false;  // it was followed at the candidate's path and left it
  bool renamed = false;              // it left a path since it was followed (or is draining)
  bool shrunk = false;               // its file is shorter than where it was read
  bool truncation_held = false;      // the position it had when truncated waits for its copy
  bool candidate_is_its_name_plus_extension = false;  // e.g. app.log.1 -> app.log.1.gz
};
// Whether the candidate (text or compressed) is a copy of that original: it
// then waits until the original is let go (truncated or deleted).
bool is_copy_of(FileKind candidate, OriginalFacts const& original) noexcept;

// Whether `path` is `original` plus one extension (".gz", ".1" does not
// count: it has no letter).
bool is_name_plus_extension(std::string_view path, std::string_view original) noexcept;

// ---------------------------------------------------------------- claims

struct ClaimFacts {
  bool same_inode = false;
  bool same_path = false;  // the position was taken at the candidate's path
  HeldOrigin origin = HeldOrigin::saved;
  bool candidate_text = true;
  bool of_original = false;  // the position is of the file the candidate waited for
  bool name_match = false;   // the candidate's path is the position's plus an extension
  bool exact_size = false;   // (compressed) its trailer's size is the position's offset
};
// The order in which held positions are tried for a file found (lower
// first); nullopt: this position can never be this file's.
std::optional<int> claim_rank(ClaimFacts const& facts) noexcept;
// Whether a position that describes the file (same first line, same bytes
// before its offset) is taken: a compressed file with more after the offset
// of a file read to its end and let go is not that file's compression.
bool claim_accepts(HeldOrigin origin, bool candidate_text, FileReader::Resume how) noexcept;

// ---------------------------------------------------------------- resume

struct ResumeFacts {
  std::optional<FileReader::Resume> claim;  // a held position that describes the file
  bool claim_same_inode = false;
  FileKind kind = FileKind::text;
  bool starting = false;    // found by the input's first pass
  bool saved_here = false;  // the last run saved this inode or this path
  StartAt start_at = StartAt::beginning;
};
enum class ResumeAction {
  saved_position,        // read on from the claimed position (its own)
  position_of_original,  // read on from the claimed position of the file it copies
  truncated,             // the same file, shorter: from 0, counted as a truncation
  skip_compressed_read,  // a compressed copy of what was read: not read (settled)
  copy_at_end,           // a text copy of what was read: followed from its end
  wait_incomplete,       // a compressed file still being written: ask again later
  replaced,              // another file than the one saved here: from 0, a rotation
  at_end,                // start_at: end
  beginning,             // from 0
};
ResumeAction resume_rule(ResumeFacts const& facts) noexcept;

}  // namespace cos_exporter
