#include "cos_exporter/config/socket_input_config.hpp"

#include <filesystem>
#include <stdexcept>

namespace cos_exporter {

void read_input_settings(InputReader const& reader, YAML::Node const& node, UdpInputConfig& input) {
  if (auto n = node["listen"]) input.listen = reader.listen_address(n);
  if (auto n = node["read_buffer_bytes"])
    input.read_buffer_bytes = reader.bytes(n, "read_buffer_bytes", 0, 1ull << 31);
  if (auto list = node["allow"]) input.allow = reader.cidrs(list, "allow");
}

std::string UnixgramInputConfig::holds() const {
  return std::filesystem::path(path).lexically_normal().string();
}

void read_input_settings(InputReader const& reader, YAML::Node const& node,
                         UnixgramInputConfig& input) {
  auto const& yaml = reader.yaml;
  if (auto n = node["path"]) input.path = reader.non_empty_string(n, "path");
  if (input.path.size() >= 108) yaml.fail(node, "unix socket path is longer than 107 bytes");
  if (auto n = node["read_buffer_bytes"])
    input.read_buffer_bytes = reader.bytes(n, "read_buffer_bytes", 0, 1ull << 31);
  if (auto n = node["mode"]) {
    std::string text = yaml.string(n, "mode");
    std::size_t used = 0;
    unsigned long mode = 0;
    try {
      mode = std::stoul(text, &used, 8);
    } catch (std::exception const&) {
      used = 0;
    }
    if (used != text.size() || text.empty() || mode > 0777)
      yaml.fail(n, "mode must be octal permissions like \"0660\", got \"" + text + "\"");
    input.mode = static_cast<std::uint32_t>(mode);
  }
}

}  // namespace cos_exporter
