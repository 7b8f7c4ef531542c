#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cos_exporter {

// Why an atomic write failed: the step (open, write, close, rename) and errno.
struct AtomicWriteFailure {
  char const* step;
  int error;
};

// Replaces the file at `path` with `contents` so that a reader, or a crash at
// any moment, finds either the old file or the new one whole: the bytes go to
// `path`.tmp, are synced, renamed over `path`, and the directory is synced.
// Creates the directory when it is missing.
std::optional<AtomicWriteFailure> write_file_atomically(std::string const& path,
                                                        std::string_view contents);

}  // namespace cos_exporter
