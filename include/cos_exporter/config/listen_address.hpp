#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cos_exporter {

// "host:port" as flags and the config write it: "127.0.0.1:9742",
// "[::1]:9742", ":9742" (every interface, host empty), port 0 for any free one.
struct ListenAddress {
  std::string host;  // without brackets; empty: every interface
  std::uint16_t port = 0;
};

std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace cos_exporter
