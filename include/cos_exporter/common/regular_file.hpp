#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace cos_exporter {

// The most a file the exporter reads whole (config, catalog, web config,
// certificates, state file) may hold.
inline constexpr std::size_t kMaxReadFileBytes = 16 * 1024 * 1024;

// Why a file could not be read, without its path ("it is a FIFO, not a
// regular file", "larger than the 16 MiB limit", "No such file or directory").
struct ReadFailure {
  std::string reason;
};

// Why read_regular_file would refuse `path` before reading it; nullopt when it
// would not. Never blocks: a FIFO is opened with O_NONBLOCK and refused.
std::optional<ReadFailure> regular_file_problem(std::string const& path,
                                                std::size_t max_bytes = kMaxReadFileBytes);

// The whole content of the regular file `path`. Refuses, never blocking and
// never holding more than `max_bytes`, what is not a regular file (FIFO,
// device, directory, socket) and a file larger than `max_bytes`.
std::variant<std::string, ReadFailure> read_regular_file(std::string const& path,
                                                         std::size_t max_bytes = kMaxReadFileBytes);

// What a path that is not a regular file is, for a log line: "a directory",
// "a FIFO", "a socket", "a device" or "not a regular file".
char const* file_type_name(std::filesystem::file_type type);

}  // namespace cos_exporter
