#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // Not 0: a compressed file found damaged, read up to the damage and not to
  // be read again under any name; its size on disk then (a file of the same
  // inode and another size is another file). Absent in older state files.
  std::uint64_t settled_size = 0;
  bool operator==(FilePosition const&) const = default;
};

inline constexpr std::size_t kTailBytes = 256;

// The `state_file`: file positions per input, kept across restarts, as JSON
//   {"version":1,"inputs":{"file":[{"path":"/var/log/a.log","device":2049,
//    "inode":131,"offset":4096,"fingerprint":"9c1e...","fingerprint_bytes":87,
//    "tail":"03af...","tail_bytes":256}]}}
// (a damaged compressed file also has "settled_size":<its size on disk>)
// Loaded once at construction (a missing file is an empty store; an invalid
// one is logged and ignored; a path that names a directory, FIFO or device is
// logged once and never written). Saved atomically: write `<path>.tmp`, fsync,
// rename, fsync the directory. An input may hold several entries for one path
// (the file there now, a rotated one still being read, the position a
// copytruncate left for the copy): entries are told apart by device, inode and
// fingerprint. Not thread-safe: everything runs on the daemon's one
// event-loop thread.
class PositionStore {
 public:
  explicit PositionStore(std::string path);
  ~PositionStore();
  PositionStore(PositionStore const&) = delete;
  PositionStore& operator=(PositionStore const&) = delete;

  // Asks every provider for its current positions, then writes the file when
  // its content changed since the last write. Logs and continues on error;
  // returns whether the file now holds the store's content.
  bool save();
  void start_periodic_save(boost::asio::io_context& io, std::chrono::seconds every);
  // Stops the periodic save and saves once more.
  void stop();

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
  // The JSON text for the current entries (what save() writes).
  std::string serialize() const;
  // Parses state-file text; false (and `error` set) when it is not valid.
  static bool parse(std::string_view text, std::map<std::string, std::vector<FilePosition>>& out,
                    std::string& error);

 private:
  void arm_timer();

  std::string path_;
  std::map<std::string, std::vector<FilePosition>> inputs_;
  std::vector<std::pair<void const*, std::function<void()>>> providers_;
  std::string last_written_;
  bool written_once_ = false;
  bool unusable_ = false;  // the path names a directory, FIFO, ...: never written
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::seconds every_{10};
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace cos_exporter
