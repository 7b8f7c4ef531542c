#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "cos_exporter/inputs/file_source/fingerprint.hpp"
#include "file_kind.hpp"

namespace cos_exporter {

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool operator==(FileIdentity const&) const = default;
  auto operator<=>(FileIdentity const&) const = default;
};

// The content of one open file, as a reader sees it: the bytes of a text file,
// or what a gzip file decompresses to (through zlib).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `size` next bytes; 0 at the current end; -1 with errno set on an
  // error (EAGAIN: a compressed stream that is still being written).
  virtual ssize_t read(char* into, std::size_t size) = 0;
  // Moves to `offset` of the content; false when the content is shorter.
  virtual bool seek(std::uint64_t offset) = 0;
  // The content's size when known without reading it (a text file).
  virtual std::optional<std::uint64_t> size() = 0;
  // What the container says the content's size is (gzip's trailer, modulo
  // 2^32, for a file written to its end); a hint, never checked.
  virtual std::optional<std::uint64_t> size_hint() { return size(); }
  // What size_hint() of a compressed copy of `size` bytes of content says.
  static constexpr std::uint64_t hinted(std::uint64_t size) noexcept { return size & 0xffffffffu; }
  // The first bytes of the content (at most kFingerprintBytes).
  virtual std::string head() = 0;
  // Reads `size` bytes at `offset` without moving; fewer when they are not there.
  virtual std::string bytes_at(std::uint64_t offset, std::size_t size) = 0;
  virtual FileKind kind() const = 0;
  // Whether the last bytes_at() stopped at a compressed stream that ends
  // early: it is still being written.
  virtual bool ends_early() const { return false; }
  // The decompressor's words for the last error (damaged data, or a stream
  // that ends early); empty when none.
  virtual std::string error_text() const { return {}; }
  // The size of the file itself (compressed, for a gzip file).
  virtual std::uint64_t stored_size() = 0;
  FileIdentity identity() const { return identity_; }

 protected:
  explicit ByteSource(FileIdentity identity) : identity_(identity) {}

 private:
  FileIdentity identity_;
};

// Why a path gave no source: its errno (EINVAL for what is not a regular
// file), or 0 for a compressed `kind` that is not read (bzip2, xz, zstd).
struct OpenFailure {
  int error = 0;
  FileKind kind = FileKind::text;
};
// A source for the file at `path`. A file too short to tell what it is is
// opened as text.
std::variant<std::unique_ptr<ByteSource>, OpenFailure> open_byte_source(std::string const& path);

}  // namespace cos_exporter
