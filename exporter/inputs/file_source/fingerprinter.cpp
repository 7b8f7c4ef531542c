#include "cos_exporter/inputs/file_source/fingerprint.hpp"

namespace cos_exporter {

std::uint64_t fingerprint_hash(std::string_view bytes) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::optional<Fingerprint> fingerprint_of(std::string_view head) noexcept {
  head = head.substr(0, kFingerprintBytes);
  auto newline = head.find('\n');
  std::size_t bytes = newline != std::string_view::npos ? newline + 1 : head.size();
  if (newline == std::string_view::npos && bytes < kFingerprintBytes) return std::nullopt;
  return Fingerprint{static_cast<std::uint32_t>(bytes), fingerprint_hash(head.substr(0, bytes))};
}

bool head_matches(std::string_view head, Fingerprint saved) noexcept {
  return saved.bytes <= head.size() && fingerprint_hash(head.substr(0, saved.bytes)) == saved.hash;
}

}  // namespace cos_exporter
