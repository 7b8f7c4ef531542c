#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cos_exporter/common/parse_failure.hpp"
#include "cos_exporter/common/state_file.hpp"
#include "cos_exporter/inputs/file_source/fingerprint.hpp"

namespace cos_exporter {

// Where reading stopped in one file, and enough to recognise the file, or a
// copy of it, again: its device and inode, the hash of its first
// `fingerprint_bytes` bytes (its first line, at most kFingerprintBytes; older
// versions hashed the first 256 bytes) and the hash of the bytes before
// `offset`. `offset` is always just after a complete line, or inside a line
// that was already counted as too long (the reader then skips to its end).
struct FilePosition {
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;
  std::uint64_t fingerprint = 0;
  std::uint32_t fingerprint_bytes = 0;  // 0: no complete first line yet
  // Hash of the (up to kTailBytes) bytes just before `offset`: a copy of the
  // file is recognised by having them too. 0 bytes: saved by an older version.
  std::uint64_t tail = 0;
  std::uint32_t tail_bytes = 0;
  // Not 0: a file not to be read again under any name (a compressed file
  // found damaged and read up to the damage, one recognised as already read,
  // or one of a compressed kind not read); its size on disk then (a file of
  // the same inode and another size is another file). Absent in older state
  // files.
  std::uint64_t settled_size = 0;
  bool operator==(FilePosition const&) const = default;
};

inline constexpr std::size_t kTailBytes = 256;

// File positions per input: the "positions" section of the state file
// (common/state_file.hpp), which the daemon writes together with the counters,
// as JSON
//   {"file":[{"path":"/var/log/a.log","device":2049,
//    "inode":131,"offset":4096,"fingerprint":"9c1e...","fingerprint_bytes":87,
//    "tail":"03af...","tail_bytes":256}]}
// (a file not to be read again has "settled_size":<its size on disk>)
// An input may hold several entries for one path (the file there now, a
// rotated one still being read, the position a copytruncate left for the
// copy): entries are told apart by device, inode and fingerprint. Not
// thread-safe: everything runs on the daemon's one event-loop thread.
class PositionStore {
 public:
  // In memory: its owner loads and persists the section.
  PositionStore() = default;
  // On its own (tools and tests): loads the positions of the state file at
  // `path` (a path that names a directory, FIFO or device is logged once and
  // never written); save() writes a state file of this section alone.
  explicit PositionStore(std::string path);
  PositionStore(PositionStore const&) = delete;
  PositionStore& operator=(PositionStore const&) = delete;

  // Standalone only: records, then writes the file when its content changed
  // since the last write. Logs and continues on error; returns whether the
  // file now holds the store's content.
  bool save();
  // Asks every provider to record its input's live positions.
  void record();

  // Entries of one input (empty when none).
  std::vector<FilePosition> const& positions(std::string const& input) const;
  // Replaces every entry of one input.
  void set_positions(std::string const& input, std::vector<FilePosition> positions);
  void forget(std::string const& input);
  std::vector<std::string> inputs() const;

  // A provider records its input's live positions (with set_positions) when
  // asked, before each save. `owner` identifies it for remove_provider.
  void add_provider(void const* owner, std::function<void()> record);
  void remove_provider(void const* owner);

  std::string const& path() const { return path_; }
  // The section's JSON text for the current entries.
  std::string serialize() const;
  // Each input's positions, by input name.
  using Entries = std::map<std::string, std::vector<FilePosition>>;
  // Replaces the entries with those of a section; nothing changes when it
  // is not valid.
  std::optional<ParseFailure> load_section(std::string_view text);
  // Parses section text.
  static std::variant<Entries, ParseFailure> parse(std::string_view text);

 private:
  std::string path_;
  std::map<std::string, std::vector<FilePosition>> inputs_;
  std::vector<std::pair<void const*, std::function<void()>>> providers_;
  std::string last_written_;
  bool unusable_ = false;            // the path names a directory, FIFO, ...: never written
  std::unique_ptr<StateFile> file_;  // standalone only
};

}  // namespace cos_exporter
