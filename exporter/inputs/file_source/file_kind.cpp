#include "file_kind.hpp"

#include <algorithm>
#include <array>

namespace cos_exporter {
namespace {

struct Magic {
  FileKind kind;
  std::string_view bytes;
};

// bzip2's "BZh" alone starts ordinary words; its level digit and block magic
// make it unambiguous.
constexpr std::array<Magic, 3> kFixedMagic{{
    {FileKind::gzip, std::string_view("\x1f\x8b", 2)},
    {FileKind::xz, std::string_view("\xfd"
                                    "7zXZ\x00",
                                    6)},
    {FileKind::zstd, std::string_view("\x28\xb5\x2f\xfd", 4)},
}};
constexpr std::string_view kBzip2Block("\x31\x41\x59\x26\x53\x59", 6);

}  // namespace

std::optional<FileKind> file_kind_of(std::string_view head) noexcept {
  for (auto const& magic : kFixedMagic) {
    std::size_t n = std::min(head.size(), magic.bytes.size());
    if (head.substr(0, n) != magic.bytes.substr(0, n)) continue;
    if (n < magic.bytes.size()) return std::nullopt;  // might still be this format
    return magic.kind;
  }
  constexpr std::string_view kBzip2("BZh");
  if (head.size() < kBzip2.size() && kBzip2.starts_with(head)) return std::nullopt;
  if (head.starts_with(kBzip2)) {
    if (head.size() < 4 + kBzip2Block.size()) return std::nullopt;
    if (head[3] >= '1' && head[3] <= '9' && head.substr(4, kBzip2Block.size()) == kBzip2Block)
      return FileKind::bzip2;
  }
  if (head.empty()) return std::nullopt;
  return FileKind::text;
}

char const* file_kind_name(FileKind kind) noexcept {
  switch (kind) {
    case FileKind::text:
      return "text";
    case FileKind::gzip:
      return "gzip";
    case FileKind::bzip2:
      return "bzip2";
    case FileKind::xz:
      return "xz";
    case FileKind::zstd:
      return "zstd";
  }
  return "text";
}

}  // namespace cos_exporter
