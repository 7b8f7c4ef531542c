#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cos_exporter/config/input_settings.hpp"

namespace cos_exporter {

// An otlp input: OTLP/HTTP logs (POST /v1/logs) on a listen address of its
// own (what an input kind's config holds: socket_input_config.hpp).
struct OtlpInputConfig : InputSettings {
  static constexpr std::string_view kKey = "otlp";
  static constexpr std::string_view kKeys[] = {"listen", "max_body_bytes", "max_connections",
                                               "timeout"};
  OtlpInputConfig() { name = "otlp"; }

  std::string listen = "127.0.0.1:4318";
  // A request body's bound, as sent (gzip) and inflated: past it, 413.
  std::uint64_t max_body_bytes = 4 * 1024 * 1024;
  // Connections open at once; one more is answered 503 with Retry-After.
  std::uint32_t max_connections = 64;
  // A request must arrive whole within it; an idle connection closes after it.
  std::uint64_t timeout_ms = 30000;
  bool operator==(OtlpInputConfig const&) const = default;

  std::string identity() const { return "otlp " + listen; }
  std::string holds() const { return fixed_port_of(listen); }
};
void read_input_settings(InputReader const& reader, YAML::Node const& node, OtlpInputConfig& input);

}  // namespace cos_exporter
