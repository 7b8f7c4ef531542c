#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/config/cidr.hpp"
#include "cos_exporter/config/input_settings.hpp"

namespace cos_exporter {

// How a tcp input finds where each message ends (RFC 6587).
enum class TcpFraming { auto_detect, octet_counting, newline };

// TLS on a tcp input: the server's certificate and key, and, with a client
// CA, every client must present a certificate it signed.
struct TcpTlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: clients are not asked for a certificate
  bool operator==(TcpTlsConfig const&) const = default;
};

// A tcp input (what an input kind's config holds: socket_input_config.hpp).
struct TcpInputConfig : InputSettings {
  static constexpr std::string_view kKey = "tcp";
  static constexpr std::string_view kKeys[] = {"listen",          "framing",      "allow",
                                               "max_connections", "idle_timeout", "tls"};
  TcpInputConfig() { name = "tcp"; }

  std::string listen = "127.0.0.1:6514";
  TcpFraming framing = TcpFraming::auto_detect;
  std::vector<Cidr> allow;  // empty: every peer is allowed
  std::uint32_t max_connections = 1024;
  std::int64_t idle_timeout_ms = 5 * 60 * 1000;  // 0: never
  std::optional<TcpTlsConfig> tls;
  bool operator==(TcpInputConfig const&) const = default;

  // TLS is part of it: other certificates are another listener (a reload
  // restarts it; its connections close after reading what they sent).
  std::string identity() const {
    return "tcp " + listen +
           (tls ? " tls " + tls->cert_file + " " + tls->key_file + " " + tls->client_ca_file : "");
  }
  std::string holds() const { return fixed_port_of(listen); }
};
void read_input_settings(InputReader const& reader, YAML::Node const& node, TcpInputConfig& input);

std::string_view to_string(TcpFraming framing);

}  // namespace cos_exporter
