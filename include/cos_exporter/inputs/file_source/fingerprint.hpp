#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cos_exporter {

// How a tailed file is known, whatever its name or inode: by its first line
// (at most kFingerprintBytes, the line feed included), hashed. A file whose
// first line is not complete yet, and that is shorter than kFingerprintBytes,
// has no fingerprint: it waits. A copy of a file (logrotate's copy, or its
// gzip'ed content) has the same fingerprint; a new file in a reused inode does
// not.
inline constexpr std::size_t kFingerprintBytes = 256;

struct Fingerprint {
  std::uint32_t bytes = 0;  // how many leading bytes the hash covers
  std::uint64_t hash = 0;
  bool operator==(Fingerprint const&) const = default;
};

// FNV-1a 64: the hash of fingerprints and of the bytes before a saved offset.
std::uint64_t fingerprint_hash(std::string_view bytes) noexcept;

// The fingerprint of content starting with `head` (its first bytes, at most
// kFingerprintBytes of them); nullopt while it is not decided yet.
std::optional<Fingerprint> fingerprint_of(std::string_view head) noexcept;

// Whether content starting with `head` has the fingerprint `saved`, which may
// cover any number of leading bytes (positions saved by older versions hashed
// the first 256 bytes, or fewer when the file was smaller).
bool head_matches(std::string_view head, Fingerprint saved) noexcept;

}  // namespace cos_exporter
