#pragma once

#include <cstdint>
#include <string>

namespace cos_exporter {

// What the landing page shows of an input.
struct InputStatus {
  std::string name;
  std::string kind;     // udp, unixgram, file
  std::string address;  // bound address, socket path, or glob with the files followed
  std::string state;    // "listening", "following 2 files", "waiting for files"
  std::uint64_t received = 0;
  std::uint64_t malformed = 0;
};

}  // namespace cos_exporter
