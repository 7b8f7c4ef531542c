#pragma once

#include <optional>
#include <string_view>

namespace cos_exporter {

// What the first bytes of a file say it is. Compressed files are recognised by
// their magic numbers; everything else is text.
enum class FileKind { text, gzip, bzip2, xz, zstd };

// nullopt while too few bytes are there to tell.
std::optional<FileKind> file_kind_of(std::string_view head) noexcept;
char const* file_kind_name(FileKind kind) noexcept;

}  // namespace cos_exporter
