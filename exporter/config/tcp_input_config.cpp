#include "cos_exporter/config/tcp_input_config.hpp"

#include "cos_exporter/common/regular_file.hpp"
#include "cos_exporter/config/alert_settings.hpp"

namespace cos_exporter {
namespace {

TcpFraming read_framing(YamlReader const& yaml, YAML::Node const& node) {
  std::string text = yaml.string(node, "framing");
  if (text == "auto") return TcpFraming::auto_detect;
  if (text == "octet_counting") return TcpFraming::octet_counting;
  if (text == "newline") return TcpFraming::newline;
  yaml.fail(node, "unknown framing \"" + text + "\" (known: auto, octet_counting, newline)");
}

std::string readable_file(InputReader const& reader, YAML::Node const& node,
                          std::string_view what) {
  std::string path = reader.non_empty_string(node, what);
  if (auto problem = regular_file_problem(path))
    reader.yaml.fail(node,
                     std::string(what) + " \"" + path + "\" cannot be read: " + problem->reason);
  return path;
}

TcpTlsConfig read_tls(InputReader const& reader, YAML::Node const& node) {
  auto const& yaml = reader.yaml;
  yaml.check_keys(node, {"cert_file", "key_file", "client_ca_file"}, "tls of a tcp input");
  TcpTlsConfig tls;
  if (!node["cert_file"] || !node["key_file"]) yaml.fail(node, "tls needs cert_file and key_file");
  tls.cert_file = readable_file(reader, node["cert_file"], "cert_file");
  tls.key_file = readable_file(reader, node["key_file"], "key_file");
  if (auto n = node["client_ca_file"])
    tls.client_ca_file = readable_file(reader, n, "client_ca_file");
  return tls;
}

}  // namespace

std::string_view to_string(TcpFraming framing) {
  switch (framing) {
    case TcpFraming::auto_detect:
      return "auto";
    case TcpFraming::octet_counting:
      return "octet_counting";
    case TcpFraming::newline:
      return "newline";
  }
  return "auto";
}

void read_input_settings(InputReader const& reader, YAML::Node const& node, TcpInputConfig& input) {
  auto const& yaml = reader.yaml;
  if (auto n = node["listen"]) input.listen = reader.listen_address(n);
  if (auto n = node["framing"]) input.framing = read_framing(yaml, n);
  if (auto list = node["allow"]) input.allow = reader.cidrs(list, "allow");
  if (auto n = node["max_connections"])
    input.max_connections =
        static_cast<std::uint32_t>(yaml.unsigned_integer(n, "max_connections", 1, 1000000));
  if (auto n = node["idle_timeout"]) {
    std::string text = yaml.string(n, "idle_timeout");
    auto ms = text == "0" ? std::optional<std::int64_t>(0) : parse_prometheus_duration_ms(text);
    if (!ms)
      yaml.fail(n,
                "idle_timeout must be a duration like 30s or 5m (0: never), got \"" + text + "\"");
    input.idle_timeout_ms = *ms;
  }
  if (auto n = node["tls"]) input.tls = read_tls(reader, n);
}

}  // namespace cos_exporter
