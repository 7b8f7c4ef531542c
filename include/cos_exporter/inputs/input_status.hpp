#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cos_exporter {

// One file a file input reads now: how far behind it is.
struct FileLag {
  std::string path;
  std::uint64_t offset = 0;  // read and counted up to here
  std::uint64_t size = 0;
  // Seconds since the last line was read from it; none when no line was
  // read from it since the exporter started.
  std::optional<double> seconds_since_last_line;
  std::uint64_t bytes_behind() const { return size > offset ? size - offset : 0; }
};

// What the landing page shows of an input.
struct InputStatus {
  std::string name;
  std::string kind;     // udp, unixgram, file
  std::string address;  // bound address, socket path, or glob with the files followed
  std::string state;    // "listening", "following 2 files", "waiting for files"
  std::uint64_t received = 0;
  std::uint64_t malformed = 0;
  std::vector<FileLag> files;  // a file input's files, by path
};

}  // namespace cos_exporter
