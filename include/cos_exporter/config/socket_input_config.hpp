#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/config/cidr.hpp"
#include "cos_exporter/config/input_settings.hpp"

namespace cos_exporter {

// An input kind's config: InputSettings plus its own keys, and
// - kKey: its list under `inputs:` in the config file;
// - kKeys: the keys it takes besides kInputSettingsKeys;
// - identity(): what names its socket or files ("udp 127.0.0.1:9742"); a
//   reload keeps the running input with the same identity;
// - holds(): what no other input of its kind can have while it runs (a port, a
//   socket path, a name and so its positions); "" for nothing;
// and a `read_input_settings(InputReader const&, YAML::Node const&, Kind&)`
// that reads its own keys (the common ones are read before it).

struct UdpInputConfig : InputSettings {
  static constexpr std::string_view kKey = "udp";
  static constexpr std::string_view kKeys[] = {"listen", "read_buffer_bytes", "allow"};
  UdpInputConfig() { name = "udp"; }

  std::string listen = "127.0.0.1:9742";
  std::uint64_t read_buffer_bytes = 8 * 1024 * 1024;
  std::vector<Cidr> allow;  // empty: every source is allowed
  bool operator==(UdpInputConfig const&) const = default;

  std::string identity() const { return "udp " + listen; }
  std::string holds() const { return fixed_port_of(listen); }
};
void read_input_settings(InputReader const& reader, YAML::Node const& node, UdpInputConfig& input);

struct UnixgramInputConfig : InputSettings {
  static constexpr std::string_view kKey = "unixgram";
  static constexpr std::string_view kKeys[] = {"path", "read_buffer_bytes", "mode"};
  UnixgramInputConfig() { name = "unixgram"; }

  std::string path = "/run/cos_error_exporter/events.sock";
  std::uint64_t read_buffer_bytes = 8 * 1024 * 1024;
  std::uint32_t mode = 0660;  // permissions of the socket file
  bool operator==(UnixgramInputConfig const&) const = default;

  std::string identity() const { return "unixgram " + path; }
  std::string holds() const;  // the path, lexically normal
};
void read_input_settings(InputReader const& reader, YAML::Node const& node,
                         UnixgramInputConfig& input);

}  // namespace cos_exporter
