#include <catch2/catch.hpp>
#include <string>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/config/config.hpp"

using namespace cos_exporter;

namespace {

std::string error_of(std::string const& yaml) {
  try {
    parse_config(yaml, "c.yaml");
  } catch (ConfigError const& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an otlp input: its own keys, the common ones, its defaults", "[otlp][config]") {
  Config config = parse_config(
      "inputs:\n  otlp:\n    - name: otel\n      listen: ':4318'\n      max_body_bytes: 65536\n"
      "      max_connections: 3\n      timeout: 1m\n      format: json\n"
      "      labels: {env: prod}\n    - name: second\n",
      "c.yaml");
  REQUIRE(config.inputs.size() == 2);
  auto const& otel = std::get<OtlpInputConfig>(config.inputs[0]);
  CHECK(otel.listen == ":4318");
  CHECK(otel.max_body_bytes == 65536);
  CHECK(otel.max_connections == 3);
  CHECK(otel.timeout_ms == 60000);
  CHECK(otel.format == EventFormat::json);
  CHECK(otel.labels.at("env") == "prod");
  CHECK(otel.identity() == "otlp :4318");
  auto const& second = std::get<OtlpInputConfig>(config.inputs[1]);
  CHECK(second.listen == "127.0.0.1:4318");
  CHECK(second.max_body_bytes == 4 * 1024 * 1024);
  CHECK(second.max_connections == 64);
  CHECK(second.timeout_ms == 30000);
}

TEST_CASE("a bad otlp input names file:line:column", "[otlp][config]") {
  CHECK(error_of("inputs:\n  otlp:\n    - grpc: true\n") ==
        "c.yaml:3:7: unknown key \"grpc\" in a otlp input (known: name, format, regex, envelope, "
        "sdk, labels, listen, max_body_bytes, max_connections, timeout)");
  CHECK(error_of("inputs:\n  otlp:\n    - timeout: soon\n") ==
        "c.yaml:3:16: timeout must be a Prometheus duration of at least 100ms like 30s, got "
        "\"soon\"");
  CHECK(error_of("inputs:\n  otlp:\n    - max_connections: 0\n").starts_with("c.yaml:3:24: "));
  CHECK(error_of("inputs:\n  otlp:\n    - max_body_bytes: 10\n").starts_with("c.yaml:3:23: "));
  CHECK(error_of("inputs:\n  otlp:\n    - {listen: ':1'}\n    - {listen: ':2'}\n") ==
        "c.yaml:4:7: duplicate input name \"otlp\": every input needs its own name (it is the "
        "`input` label)");
}
