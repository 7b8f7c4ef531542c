#include "cos_exporter/config/otlp_input_config.hpp"

#include "cos_exporter/config/alert_settings.hpp"

namespace cos_exporter {

void read_input_settings(InputReader const& reader, YAML::Node const& node,
                         OtlpInputConfig& input) {
  auto const& yaml = reader.yaml;
  if (auto n = node["listen"]) input.listen = reader.listen_address(n);
  if (auto n = node["max_body_bytes"])
    input.max_body_bytes = reader.bytes(n, "max_body_bytes", 1024, 1ull << 30);
  if (auto n = node["max_connections"])
    input.max_connections =
        static_cast<std::uint32_t>(reader.bytes(n, "max_connections", 1, 100000));
  if (auto n = node["timeout"]) {
    std::string text = yaml.string(n, "timeout");
    auto ms = parse_prometheus_duration_ms(text);
    if (!ms || *ms < 100)
      yaml.fail(n, "timeout must be a Prometheus duration of at least 100ms like 30s, got \"" +
                       text + "\"");
    input.timeout_ms = static_cast<std::uint64_t>(*ms);
  }
}

}  // namespace cos_exporter
