#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace cos_exporter {

// The most a file the exporter reads whole (config, catalog, web config,
// certificates, state file) may hold.
inline constexpr std::size_t kMaxReadFileBytes = 16 * 1024 * 1024;

// Why read_regular_file would refuse `path` before reading it ("it is a FIFO,
// not a regular file", "No such file or directory", ...), or "" when it
// would not. Never blocks: a FIFO is opened with O_NONBLOCK and refused.
std::string regular_file_problem(std::string const& path,
                                 std::size_t max_bytes = kMaxReadFileBytes);

// Reads the whole of the regular file `path` into `content`. Refuses, never
// blocking and never holding more than `max_bytes`, what is not a regular
// file (FIFO, device, directory, socket) and a file larger than `max_bytes`.
// On failure returns false with `error` saying why, without the path
// ("larger than the 16 MiB limit").
bool read_regular_file(std::string const& path, std::string& content, std::string& error,
                       std::size_t max_bytes = kMaxReadFileBytes);

// What a path that is not a regular file is, for a log line: "a directory",
// "a FIFO", "a socket", "a device" or "not a regular file".
char const* file_type_name(std::filesystem::file_type type);

}  // namespace cos_exporter
