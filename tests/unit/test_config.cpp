#include <catch2/catch.hpp>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/config/config.hpp"
#include "cos_exporter/config/listen_address.hpp"

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

TEST_CASE("the built-in config has one UDP input and the shipped groups", "[config]") {
  Config config = builtin_config();
  REQUIRE(config.inputs.size() == 1);
  auto const& udp = std::get<UdpInputConfig>(config.inputs[0]);
  CHECK(udp.name == "udp");
  CHECK(udp.listen == "127.0.0.1:9742");
  CHECK(udp.read_buffer_bytes == 8388608);
  CHECK(udp.allow.size() == 2);
  CHECK(config.limits.max_unknown_codes == 64);
  CHECK(config.limits.max_line_bytes == 16384);
  std::vector<std::string> names;
  for (auto const& g : config.groups) names.push_back(g.name);
  for (char const* required : {"auth", "network", "integrity"})
    CHECK(std::find(names.begin(), names.end(), required) != names.end());
  for (auto const& g : config.groups) {
    INFO(g.name);
    CHECK(g.alert.has_value());
  }
  CHECK(config.code_alert.has_value());
}

TEST_CASE("a config replaces only the keys it sets", "[config]") {
  Config config = parse_config(R"(
inputs:
  unixgram:
    - path: /tmp/x.sock
      mode: "0600"
  files:
    - name: sdk
      path: /var/log/cos/*.log
      format: regex
      regex: 'code=(?P<code>-?\d+)'
      start_at: beginning
limits: {max_unknown_codes: 5}
catalog:
  extra:
    - {code: -70001, name: MY_PROXY_ERROR, category: proxy, kind: error, description: 自定义}
)",
                               "c.yaml");
  // One list, grouped by kind in InputConfig's order: unixgram before files.
  REQUIRE(config.inputs.size() == 2);
  auto const& unixgram = std::get<UnixgramInputConfig>(config.inputs[0]);
  CHECK(unixgram.name == "unixgram");
  CHECK(unixgram.mode == 0600);
  auto const& file = std::get<FileInputConfig>(config.inputs[1]);
  CHECK(file.format == EventFormat::regex);
  CHECK(file.start_at == StartAt::beginning);
  CHECK(config.limits.max_unknown_codes == 5);
  CHECK(config.limits.max_line_bytes == 16384);
  CHECK(config.groups == builtin_config().groups);
  REQUIRE(config.catalog_extra.size() == 1);
  CHECK(load_catalog_for(config).entries().size() == 214 + 1);
}

TEST_CASE("every kind of bad config names file:line:column", "[config]") {
  CHECK(error_of("inputs:\n  udp:\n    - listen: 127.0.0.1:1\n      colour: red\n") ==
        "c.yaml:4:7: unknown key \"colour\" in a udp input (known: name, format, regex, envelope, "
        "sdk, labels, listen, read_buffer_bytes, allow)");
  CHECK(error_of("limits:\n  max_line_bytes: lots\n") ==
        "c.yaml:2:19: max_line_bytes must be a non-negative integer");
  CHECK(
      error_of("inputs:\n  udp:\n    - listen: nowhere\n") ==
      "c.yaml:3:15: invalid listen address \"nowhere\" (want host:port, [v6-host]:port or :port)");
  CHECK(error_of("inputs:\n  udp:\n    - allow: [10.0.0.0/33]\n") ==
        "c.yaml:3:15: invalid CIDR \"10.0.0.0/33\" (want e.g. 10.0.0.0/8 or ::1/128)");
  CHECK(error_of("inputs:\n  udp:\n    - {listen: ':1'}\n    - {listen: ':2'}\n") ==
        "c.yaml:4:7: duplicate input name \"udp\": every input needs its own name (it is the "
        "`input` label)");
  CHECK(error_of("inputs:\n  files:\n    - path: /x/*.log\n      format: regex\n      regex: "
                 "'(unclosed'\n")
            .starts_with("c.yaml:5:14: invalid regex: missing ): (unclosed"));
  CHECK(error_of(
            "inputs:\n  files:\n    - path: /x/*.log\n      format: regex\n      regex: 'x'\n") ==
        "c.yaml:5:14: invalid regex: it needs a named group (?P<code>...) for the code");
  CHECK(error_of("inputs:\n  files:\n    - path: '/x/[a.log'\n") ==
        "c.yaml:3:13: invalid glob \"/x/[a.log\": [ is never closed");
  CHECK(error_of("groups:\n  auth:\n    names: ['ERR[A]']\n") ==
        "c.yaml:3:13: invalid glob \"ERR[A]\": only * and ? are supported in name globs");
  CHECK(error_of("groups:\n  auth:\n    alert: {window: 5 minutes}\n") ==
        "c.yaml:3:21: window must be a Prometheus duration like 5m or 1h30m, got \"5 minutes\"");
  CHECK(error_of("groups:\n  auth:\n    codes: [-96, x]\n") ==
        "c.yaml:3:18: code must be an integer, got \"x\"");
  CHECK(error_of("groups:\n  auth:\n    categories: [proxyy]\n") ==
        "c.yaml:3:18: unknown category \"proxyy\"");
  CHECK(error_of("inputs: [\n").starts_with("c.yaml:2:1: invalid YAML"));
  CHECK(error_of("inputs:\n  udp:\n    - format: xml\n") ==
        "c.yaml:3:15: unknown format \"xml\" (known: auto, json, logfmt, regex)");
  CHECK(error_of("catalog:\n  extra:\n    - {code: -1, name: A, category: sdk, kind: error}\n") ==
        "c.yaml:3:7: catalog entry is missing \"description\"");
}

TEST_CASE("listen addresses", "[config]") {
  auto a = parse_listen_address("127.0.0.1:9742");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 9742);
  auto b = parse_listen_address("[::1]:0");
  REQUIRE(b);
  CHECK(b->host == "::1");
  CHECK(b->port == 0);
  auto c = parse_listen_address(":9742");
  REQUIRE(c);
  CHECK(c->host.empty());
  CHECK_FALSE(parse_listen_address("::1:80"));
  CHECK_FALSE(parse_listen_address("host:65536"));
  CHECK_FALSE(parse_listen_address("host"));
}

TEST_CASE("a config error stays one line whatever it quotes", "[config]") {
  // A quoted key with a newline, and a control byte YAML cannot unescape.
  CHECK(error_of("\"col\\nour\": red\n").starts_with("c.yaml:1:1: unknown key \"col\\nour\""));
  CHECK(error_of("limits: \"\\\x01\"\n") ==
        "c.yaml:1:12: invalid YAML: unknown escape character: \\x01");
  CHECK(ConfigError("a\r\nb\x7f").what() == std::string("a\\r\\nb\\x7f"));
}

TEST_CASE("a description or severity with a control character is refused where it is", "[config]") {
  CHECK(error_of("groups:\n  g:\n    description: \"nel\xc2\x85 here\"\n") ==
        "c.yaml:3:18: description must be printable text: control character U+0085 at byte 3 "
        "of the value (Prometheus cannot load a rule file that carries it)");
  CHECK_THAT(error_of("groups:\n  g:\n    description: \"a\\u2028b\"\n"),
             Catch::StartsWith("c.yaml:3:18: description must be printable text: control "
                               "character U+2028 at byte 1"));
  CHECK_THAT(error_of("groups:\n  g:\n    description: \"del\x7f\"\n"),
             Catch::StartsWith("c.yaml:3:18: description must be printable text: control "
                               "character U+007F at byte 3"));
  CHECK_THAT(error_of("groups:\n  g:\n    codes: [1]\n    alert: {severity: \"p\\x01\"}\n"),
             Catch::StartsWith("c.yaml:4:23: severity must be printable text: control character "
                               "U+0001 at byte 1"));
  // Tabs, line breaks and any language are text.
  CHECK(error_of("groups:\n  g:\n    description: \"tab\\there\\nnext \u4e2d\u6587\"\n") == "");
}

TEST_CASE("exemplar_fields: request_id and trace_id by default, checked as label names",
          "[config]") {
  CHECK(builtin_config().exemplar_fields == std::vector<std::string>{"request_id", "trace_id"});
  CHECK(parse_config("exemplar_fields: [rid]\n", "c.yaml").exemplar_fields ==
        std::vector<std::string>{"rid"});
  CHECK(parse_config("exemplar_fields: []\n", "c.yaml").exemplar_fields.empty());
  CHECK(error_of("exemplar_fields: [ok, 9lives]\n") ==
        "c.yaml:1:23: exemplar field: \"9lives\" is not a valid label name "
        "([a-zA-Z_][a-zA-Z0-9_]*)");
  CHECK(error_of("exemplar_fields:\n  - __id\n") ==
        "c.yaml:2:5: exemplar field: \"__id\" is reserved: names starting with __ are "
        "Prometheus'");
  CHECK(error_of("exemplar_fields: [code]\n") ==
        "c.yaml:1:19: exemplar field: \"code\" is reserved: the event series already have that "
        "label");
  CHECK(error_of("exemplar_fields: [a, a]\n") ==
        "c.yaml:1:22: exemplar field \"a\" is listed twice");
  CHECK(error_of("exemplar_fields: [a, b, c, d, e]\n") ==
        "c.yaml:1:18: exemplar_fields holds at most 4 fields (an exemplar has room for 128 "
        "characters)");
  CHECK(error_of("exemplar_fields: request_id\n").starts_with("c.yaml:1:18: "));
}
