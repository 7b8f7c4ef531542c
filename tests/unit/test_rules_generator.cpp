#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "alerting/top_sources.hpp"
#include "cos_exporter/alerting/rules_generator.hpp"
#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/classification/group_matcher.hpp"
#include "cos_exporter/cli/commands.hpp"
#include "cos_exporter/common/yaml_text.hpp"
#include "cos_exporter/config/config.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
using cos_exporter::testing::read_file;

namespace {

AlertConfig alert(double rate, std::string window, double factor, std::string baseline,
                  std::string hold, std::string severity) {
  AlertConfig a;
  a.rate = rate;
  a.window = std::move(window);
  a.spike_factor = factor;
  a.baseline = std::move(baseline);
  a.for_duration = std::move(hold);
  a.severity = std::move(severity);
  return a;
}

GroupConfig group(std::string name, std::optional<AlertConfig> a, std::string description = "") {
  GroupConfig g;
  g.name = std::move(name);
  g.description = std::move(description);
  g.alert = std::move(a);
  return g;
}

// auth alerts over 5m against 1h, integrity over 10m against 6h, quiet has no
// alert, and a code alert over 5m against 1h.
Config sample_config() {
  Config config;
  config.source = "test.yaml";
  config.groups.push_back(
      group("auth", alert(1, "5m", 3, "1h", "2m", "critical"), "signature failures"));
  config.groups.push_back(group("integrity", alert(0.1, "10m", 2, "6h", "1m", "critical")));
  config.groups.push_back(group("quiet", std::nullopt));
  config.code_alert = alert(0.5, "5m", 5, "1h", "5m", "warning");
  config.runbook_url = "runbooks.md";
  return config;
}

YAML::Node rule_group(YAML::Node const& file, std::string const& name) {
  for (auto const& g : file["groups"]) {
    if (g["name"].as<std::string>() == name) return g;
  }
  return YAML::Node();
}

std::vector<YAML::Node> alerts_named(YAML::Node const& file, std::string const& alertname) {
  std::vector<YAML::Node> out;
  YAML::Node alerts = rule_group(file, "cos_error_exporter.alerts");
  if (!alerts) return out;
  for (auto const& rule : alerts["rules"]) {
    if (rule["alert"] && rule["alert"].as<std::string>() == alertname) out.push_back(rule);
  }
  return out;
}

std::set<std::string> recorded(YAML::Node const& file) {
  std::set<std::string> out;
  for (auto const& rule : rule_group(file, "cos_error_exporter.recording")["rules"]) {
    out.insert(rule["record"].as<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("Prometheus durations parse and print as Prometheus does", "[rules]") {
  CHECK(parse_prometheus_duration_ms("5m") == 300000);
  CHECK(parse_prometheus_duration_ms("1h30m") == 5400000);
  CHECK(parse_prometheus_duration_ms("90s") == 90000);
  CHECK(parse_prometheus_duration_ms("250ms") == 250);
  CHECK(parse_prometheus_duration_ms("1m30s500ms") == 90500);
  CHECK(parse_prometheus_duration_ms("1d") == 86400000);
  CHECK(parse_prometheus_duration_ms("2w") == 14LL * 86400000);
  CHECK(parse_prometheus_duration_ms("1y") == 365LL * 86400000);
  CHECK(parse_prometheus_duration_ms("0") == 0);
  CHECK(parse_prometheus_duration_ms("0s") == 0);

  for (char const* bad :
       {"", "5", "m", "5x", "1m1h", "5m5m", "-5m", "5 m", "1.5h", "5M", "99999999999999999999y"}) {
    INFO(bad);
    CHECK_FALSE(parse_prometheus_duration_ms(bad).has_value());
  }

  CHECK(format_prometheus_duration(300000) == "5m");
  CHECK(format_prometheus_duration(5400000) == "1h30m");
  CHECK(format_prometheus_duration(90500) == "1m30s500ms");
  CHECK(format_prometheus_duration(0) == "0s");
  CHECK(format_prometheus_duration(8 * 86400000LL) == "1w1d");
}

TEST_CASE("alert settings that could never fire are rejected", "[rules]") {
  CHECK_FALSE(alert_config_problem(alert(1, "5m", 3, "1h", "2m", "critical")));
  CHECK_FALSE(alert_config_problem(alert(0, "5m", 1, "1h", "0s", "warning")));

  // 12 x 5m = 1h: the baseline includes the window, so the window can never be
  // more than 12 times the baseline rate.
  auto window_problem = alert_config_problem(alert(1, "5m", 12, "1h", "2m", "critical"));
  REQUIRE(window_problem);
  CHECK_THAT(*window_problem, Catch::Contains("spike_factor 12 x window 5m"));
  // 3 x 20m = 1h: a spike falls back under 3x the baseline before 20m have passed.
  auto for_problem = alert_config_problem(alert(1, "5m", 3, "1h", "20m", "critical"));
  REQUIRE(for_problem);
  CHECK_THAT(*for_problem, Catch::Contains("x for 20m"));

  CHECK(alert_config_problem(alert(1, "5x", 3, "1h", "2m", "critical")));
  CHECK(alert_config_problem(alert(1, "0s", 3, "1h", "2m", "critical")));
  CHECK(alert_config_problem(alert(1, "5m", 3, "1h", "soon", "critical")));
  CHECK(alert_config_problem(alert(-1, "5m", 3, "1h", "2m", "critical")));
  CHECK(alert_config_problem(alert(1, "5m", 0, "1h", "2m", "critical")));
  CHECK(alert_config_problem(alert(1, "5m", 3, "1h", "2m", "")));

  Config config = sample_config();
  config.groups[1].alert->spike_factor = 36;  // 36 x 10m = 6h
  try {
    generate_rules(config);
    FAIL("generate_rules accepted an alert that can never fire");
  } catch (RulesError const& error) {
    CHECK_THAT(error.what(), Catch::StartsWith("group \"integrity\": alert: spike_factor 36"));
  }
  config = sample_config();
  config.code_alert->baseline = "20m";  // 5 x 5m = 25m
  CHECK_THROWS_WITH(generate_rules(config), Catch::StartsWith("code_alert: spike_factor 5"));
}

TEST_CASE("the rule file has recording rules summed across instances", "[rules]") {
  YAML::Node file = YAML::Load(generate_rules(sample_config()));
  REQUIRE(file["groups"].size() == 3);
  CHECK(file["groups"][0]["name"].as<std::string>() == "cos_error_exporter.recording");
  CHECK(file["groups"][1]["name"].as<std::string>() == "cos_error_exporter.alerts");
  CHECK(file["groups"][2]["name"].as<std::string>() == "cos_error_exporter.self");

  // Every window and baseline an alert uses, plus 5m for dashboards, each once.
  std::set<std::string> const expected{
      "cos:group_errors:rate5m", "cos:group_errors:rate10m", "cos:group_errors:rate1h",
      "cos:group_errors:rate6h", "cos:code_errors:rate5m",   "cos:code_errors:rate10m",
      "cos:code_errors:rate1h",  "cos:events:rate5m",        "cos:events:rate10m",
      "cos:error_ratio:rate5m",  "cos:error_ratio:rate10m",  "cos:code_errors:spiking"};
  CHECK(recorded(file) == expected);

  for (auto const& rule : rule_group(file, "cos_error_exporter.recording")["rules"]) {
    std::string const name = rule["record"].as<std::string>();
    std::string const expr = rule["expr"].as<std::string>();
    INFO(name << ": " << expr);
    if (name == "cos:code_errors:spiking") continue;  // a test of rates, checked with the alert
    // Aggregated: no per-instance series survive, every other label does.
    CHECK_THAT(expr, Catch::Contains("sum without (instance, pod, node, container"));
    std::string const window = name.substr(name.rfind(":rate") + 5);
    CHECK_THAT(expr, Catch::Contains("[" + window + "]"));
    if (name.starts_with("cos:group_errors:"))
      CHECK_THAT(expr, Catch::Contains("cos_group_errors_total["));
    if (name.starts_with("cos:code_errors:"))
      CHECK_THAT(expr, Catch::Contains("cos_errors_total["));
    if (name.starts_with("cos:error_ratio:")) {
      CHECK_THAT(expr, Catch::Contains("cos_events_total{outcome=\"error\"}[" + window + "]"));
      CHECK_THAT(expr, Catch::Contains("/"));
      CHECK_THAT(expr, Catch::Contains(", outcome)"));
    }
  }
}

TEST_CASE("each group with alert: gets a spike alert with its own settings", "[rules]") {
  YAML::Node file = YAML::Load(generate_rules(sample_config()));
  std::vector<YAML::Node> alerts = alerts_named(file, "CosErrorGroupSpike");
  REQUIRE(alerts.size() == 2);  // auth and integrity; quiet has no alert:

  YAML::Node auth = alerts[0];
  CHECK(auth["labels"]["group"].as<std::string>() == "auth");
  CHECK(auth["labels"]["severity"].as<std::string>() == "critical");
  CHECK(auth["for"].as<std::string>() == "2m");
  CHECK(auth["expr"].as<std::string>() ==
        "cos:group_errors:rate5m{group=\"auth\"} > 1\n"
        "and\n"
        "cos:group_errors:rate5m{group=\"auth\"} > 3 * cos:group_errors:rate1h{group=\"auth\"}\n"
        "and\n"
        "sum without (instance, pod, node, container) (cos_group_errors_total{group=\"auth\"} "
        "offset 1h)");
  CHECK(auth["annotations"]["runbook_url"].as<std::string>() == "runbooks.md#group-auth");
  CHECK_THAT(auth["annotations"]["summary"].as<std::string>(),
             Catch::Contains("auth") && Catch::Contains("{{ $value | humanize }}"));
  std::string const description = auth["annotations"]["description"].as<std::string>();
  CHECK_THAT(description, Catch::Contains("(signature failures)"));
  // The top codes of the group: the code rates over the group's window, joined
  // with the groups label of cos_error_code_info.
  CHECK_THAT(description,
             Catch::Contains("query `topk(3, sum by (code, name) (cos:code_errors:rate5m"));
  CHECK_THAT(description, Catch::Contains("cos_error_code_info{groups=~\"(.*,)?auth(,.*)?\"}"));

  YAML::Node integrity = alerts[1];
  CHECK(integrity["labels"]["group"].as<std::string>() == "integrity");
  CHECK(integrity["for"].as<std::string>() == "1m");
  CHECK(integrity["expr"].as<std::string>() ==
        "cos:group_errors:rate10m{group=\"integrity\"} > 0.1\n"
        "and\n"
        "cos:group_errors:rate10m{group=\"integrity\"} > 2 * "
        "cos:group_errors:rate6h{group=\"integrity\"}\n"
        "and\n"
        "sum without (instance, pod, node, container) (cos_group_errors_total{group=\"integrity\"} "
        "offset 6h)");
  CHECK_THAT(integrity["annotations"]["description"].as<std::string>(),
             Catch::Contains("cos:code_errors:rate10m"));

  // Every recording rule an alert or its description reads is defined.
  std::set<std::string> const defined = recorded(file);
  std::regex const rule_ref("cos:[a-z_]+:rate[0-9a-z]+");
  for (auto const& rule : rule_group(file, "cos_error_exporter.alerts")["rules"]) {
    std::string const text =
        rule["expr"].as<std::string>() + rule["annotations"]["description"].as<std::string>();
    for (std::sregex_iterator it(text.begin(), text.end(), rule_ref), end; it != end; ++it) {
      INFO(it->str());
      CHECK(defined.contains(it->str()));
    }
  }
}

TEST_CASE("code_alert: gives one alert for any single code, labelled by group", "[rules]") {
  YAML::Node file = YAML::Load(generate_rules(sample_config()));
  std::vector<YAML::Node> alerts = alerts_named(file, "CosErrorCodeSpike");
  // One per group (auth, integrity, quiet), one for codes in no group.
  REQUIRE(alerts.size() == 4);
  // The test itself is recorded once; each alert picks its group's codes from it.
  std::string spiking;
  for (auto const& rule : rule_group(file, "cos_error_exporter.recording")["rules"]) {
    if (rule["record"].as<std::string>() == "cos:code_errors:spiking")
      spiking = rule["expr"].as<std::string>();
  }
  CHECK(spiking ==
        "cos:code_errors:rate5m > 0.5\n"
        "and\n"
        "cos:code_errors:rate5m > 5 * cos:code_errors:rate1h\n"
        "and\n"
        "sum without (instance, pod, node, container) (cos_errors_total offset 1h)");
  std::string const condition = "cos:code_errors:spiking\n";
  CHECK(alerts[0]["expr"].as<std::string>() ==
        condition +
            "and on (category, code, name)\ncos_error_code_info{groups=~\"(.*,)?auth(,.*)?\"}");
  CHECK(alerts[0]["labels"]["group"].as<std::string>() == "auth");
  CHECK(alerts[0]["annotations"]["runbook_url"].as<std::string>() == "runbooks.md#group-auth");
  CHECK(alerts[2]["labels"]["group"].as<std::string>() == "quiet");
  CHECK(alerts[3]["expr"].as<std::string>() ==
        condition + "unless on (category, code, name)\ncos_error_code_info{groups!=\"\"}");
  CHECK_FALSE(alerts[3]["labels"]["group"]);
  CHECK(alerts[3]["annotations"]["runbook_url"].as<std::string>() == "runbooks.md#code-spike");
  for (YAML::Node const& alert : alerts) {
    CHECK(alert["for"].as<std::string>() == "5m");
    CHECK(alert["labels"]["severity"].as<std::string>() == "warning");
    CHECK_THAT(alert["annotations"]["summary"].as<std::string>(),
               Catch::Contains("{{ $labels.code }} {{ $labels.name }}"));
  }

  Config config = sample_config();
  config.code_alert.reset();
  file = YAML::Load(generate_rules(config));
  CHECK(alerts_named(file, "CosErrorCodeSpike").empty());
  CHECK(alerts_named(file, "CosErrorGroupSpike").size() == 2);
}

TEST_CASE("code_alert: off in the config leaves the code alert out", "[rules]") {
  Config const off = parse_config("code_alert: off\n", "c.yaml");
  CHECK_FALSE(off.code_alert);
  CHECK_FALSE(parse_config("code_alert:\n", "c.yaml").code_alert);
  CHECK(alerts_named(YAML::Load(generate_rules(off)), "CosErrorCodeSpike").empty());
  CHECK(builtin_config().code_alert);
}

TEST_CASE("the exporter's own alerts are printed, each with a runbook", "[rules]") {
  Config config;  // no groups, no code alert
  config.runbook_url = "https://wiki/runbooks";
  YAML::Node file = YAML::Load(generate_rules(config));
  REQUIRE(file["groups"].size() == 2);
  std::set<std::string> names;
  for (auto const& rule : rule_group(file, "cos_error_exporter.self")["rules"]) {
    std::string const name = rule["alert"].as<std::string>();
    names.insert(name);
    INFO(name);
    CHECK_THAT(rule["annotations"]["runbook_url"].as<std::string>(),
               Catch::StartsWith("https://wiki/runbooks#exporter-"));
    CHECK(rule["labels"]["severity"]);
    CHECK(rule["annotations"]["summary"]);
    CHECK(rule["annotations"]["description"]);
  }
  CHECK(names == std::set<std::string>{
                     "CosErrorExporterDown", "CosErrorExporterAbsent",
                     "CosErrorExporterReloadFailed", "CosErrorExporterMalformedLines",
                     "CosErrorExporterUdpKernelDrops", "CosErrorExporterUnknownCodesOverflow",
                     "CosErrorExporterFileInputIdle", "CosErrorExporterStateNotWritten"});
  config.runbook_url.clear();
  file = YAML::Load(generate_rules(config));
  CHECK_FALSE(
      rule_group(file, "cos_error_exporter.self")["rules"][0]["annotations"]["runbook_url"]);
}

TEST_CASE("without any alert setting only recording rules and self alerts are written", "[rules]") {
  Config config;
  config.groups.push_back(group("auth", std::nullopt));
  YAML::Node file = YAML::Load(generate_rules(config));
  REQUIRE(file["groups"].size() == 2);  // and the exporter's own alerts
  CHECK(recorded(file) == std::set<std::string>{"cos:group_errors:rate5m", "cos:code_errors:rate5m",
                                                "cos:events:rate5m", "cos:error_ratio:rate5m"});
}

TEST_CASE("the rule file is deterministic and canonical", "[rules]") {
  CHECK(generate_rules(sample_config()) == generate_rules(sample_config()));

  // The same durations spelled differently give the same rules, once each.
  Config respelled = sample_config();
  respelled.groups[0].alert = alert(1, "300s", 3, "60m", "120s", "critical");
  respelled.groups[1].alert->baseline = "360m";
  respelled.code_alert->window = "5m0s";
  respelled.code_alert->baseline = "3600s";
  CHECK(generate_rules(respelled) == generate_rules(sample_config()));

  // Groups appear in config order; the source file's name is not printed.
  Config reordered = sample_config();
  std::swap(reordered.groups[0], reordered.groups[1]);
  reordered.source = "elsewhere.yaml";
  YAML::Node file = YAML::Load(generate_rules(reordered));
  std::vector<YAML::Node> alerts = alerts_named(file, "CosErrorGroupSpike");
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0]["labels"]["group"].as<std::string>() == "integrity");
  CHECK(generate_rules(reordered).find("elsewhere") == std::string::npos);

  // for: 0 leaves `for` out: the alert fires at the first evaluation.
  Config immediate = sample_config();
  immediate.groups[0].alert->for_duration = "0s";
  file = YAML::Load(generate_rules(immediate));
  CHECK_FALSE(alerts_named(file, "CosErrorGroupSpike")[0]["for"]);
}

TEST_CASE("names and descriptions are escaped for YAML, PromQL and templates", "[rules]") {
  Config config;
  config.groups.push_back(group("we\"ird.name", alert(1, "5m", 3, "1h", "2m", "page: now"),
                                "multi\nline {{ text }} with \"quotes\""));
  std::string const text = generate_rules(config);
  YAML::Node file = YAML::Load(text);
  YAML::Node rule = alerts_named(file, "CosErrorGroupSpike").at(0);
  CHECK(rule["labels"]["group"].as<std::string>() == "we\"ird.name");
  CHECK(rule["labels"]["severity"].as<std::string>() == "page: now");
  CHECK_THAT(rule["expr"].as<std::string>(), Catch::Contains("{group=\"we\\\"ird.name\"}"));
  std::string const description = rule["annotations"]["description"].as<std::string>();
  // The regex matches the name literally; the description's text cannot open a template action.
  CHECK_THAT(description, Catch::Contains("groups=~\"(.*,)?we\\\\\\\"ird\\\\.name(,.*)?\""));
  CHECK_THAT(description, Catch::Contains("(multi line {{ \"{{\" }} text }} with \"quotes\")"));
}

TEST_CASE("text Prometheus' YAML reader refuses raw is escaped in the rule file", "[rules]") {
  // A C0 control, DEL, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR, BOM, a byte that is not UTF-8.
  for (std::string const& bad :
       {std::string("bell\x07"), std::string("del\x7f"), std::string("nel\xc2\x85"),
        std::string("ls\xe2\x80\xa8"), std::string("ps\xe2\x80\xa9"),
        std::string("bom\xef\xbb\xbf"), std::string("cut\xff")}) {
    INFO(bad);
    Config config;
    config.groups.push_back(
        group("g", alert(1, "5m", 3, "1h", "2m", "sev " + bad), "about " + bad + " here"));
    std::string const text = generate_rules(config);
    // The file as a whole is printable: nothing go-yaml calls a control character.
    CHECK_FALSE(find_unprintable(text));
    YAML::Node rule = alerts_named(YAML::Load(text), "CosErrorGroupSpike").at(0);
    std::string const description = rule["annotations"]["description"].as<std::string>();
    std::string const expected = bad.back() == '\xff' ? "cut\xef\xbf\xbd" : bad;
    CHECK_THAT(description, Catch::Contains("(about " + expected + " here)"));
    CHECK(rule["labels"]["severity"].as<std::string>() == "sev " + expected);
  }
}

TEST_CASE("printable text is told from control characters and invalid UTF-8", "[rules]") {
  CHECK_FALSE(
      find_unprintable("plain ASCII, tab\there\nand \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"));
  auto bell = find_unprintable("ab\x07");
  REQUIRE(bell);
  CHECK(bell->describe() == "control character U+0007 at byte 2");
  CHECK(find_unprintable("x\xc2\x85")->describe() == "control character U+0085 at byte 1");
  CHECK(find_unprintable("\xe2\x80\xa9")->describe() == "control character U+2029 at byte 0");
  CHECK(find_unprintable("ok\xc0\xaf")->describe() == "invalid UTF-8 byte 0xc0 at byte 2");
  CHECK(find_unprintable("\xed\xa0\x80")->invalid_utf8);  // a surrogate
  CHECK(find_unprintable("\xe4\xb8")->invalid_utf8);      // cut short
}

TEST_CASE("run_rules prints the rule file, or fails on a bad setting", "[rules]") {
  Config config = sample_config();
  Classifier classifier(Catalog::builtin(), GroupMatcher(config.groups));
  std::ostringstream out;
  CHECK(run_rules(config, classifier, out) == 0);
  CHECK(out.str() == generate_rules(config));

  config.groups[0].alert->window = "1h";  // 3 x 1h > 1h
  std::ostringstream nothing;
  CHECK(run_rules(config, classifier, nothing) == 1);
  CHECK(nothing.str().empty());
}

TEST_CASE("deploy/prometheus/rules.yml is the rule file of the shipped config", "[rules]") {
  Config const config = load_config_file(std::string(COS_SOURCE_DIR) + "/config/exporter.yaml");
  std::string const shipped =
      read_file(std::string(COS_SOURCE_DIR) + "/deploy/prometheus/rules.yml");
  // Regenerate with: build/cos_error_exporter rules > deploy/prometheus/rules.yml
  CHECK(generate_rules(config) == shipped);
  CHECK(generate_rules(builtin_config()) == shipped);

  // Every group of the shipped config alerts.
  YAML::Node file = YAML::Load(shipped);
  CHECK(alerts_named(file, "CosErrorGroupSpike").size() == config.groups.size());
  CHECK(alerts_named(file, "CosErrorCodeSpike").size() == config.groups.size() + 1);
}

namespace {

// sample_config() with extra labels: static ones on two inputs, a file input's
// path labels (two of them named as instance labels are) and an event label.
Config labeled_config() {
  Config config = sample_config();
  UdpInputConfig udp;
  udp.labels = {{"service", "uploader"}, {"env", "prod"}};
  config.inputs.push_back(udp);
  FileInputConfig pods;
  pods.labels = {{"env", "prod"}};
  pods.path_labels =
      "^/var/log/pods/(?P<namespace>[^_]+)_(?P<pod>[^_]+)_[^/]+/(?P<container>[^/]+)/";
  config.inputs.push_back(pods);
  EventLabelConfig bucket;
  bucket.name = "bucket";
  bucket.field = "bucket";
  config.event_labels.push_back(bucket);
  return config;
}

std::string const kSummedAway =
    "sum without (instance, pod, node, container, env, service, namespace, bucket)";

}  // namespace

TEST_CASE("source labels: static sorted, then path labels in regex order, then event labels",
          "[rules]") {
  CHECK(source_label_names(sample_config()).empty());
  CHECK(source_label_names(builtin_config()).empty());
  CHECK(source_label_names(labeled_config()) ==
        std::vector<std::string>{"env", "service", "namespace", "pod", "container", "bucket"});
  // The instance labels come first; a source label that is one of them is not repeated.
  CHECK(summed_away_labels({}) == "instance, pod, node, container");
  CHECK(summed_away_labels(source_label_names(labeled_config())) ==
        "instance, pod, node, container, env, service, namespace, bucket");
}

TEST_CASE("extra labels are summed away with the instance labels in every rule", "[rules]") {
  std::string const text = generate_rules(labeled_config());
  YAML::Node file = YAML::Load(text);
  CHECK(recorded(file) == recorded(YAML::Load(generate_rules(sample_config()))));
  for (auto const& rule : rule_group(file, "cos_error_exporter.recording")["rules"]) {
    std::string const name = rule["record"].as<std::string>();
    std::string const expr = rule["expr"].as<std::string>();
    INFO(name << ": " << expr);
    if (name.starts_with("cos:error_ratio:")) {
      CHECK_THAT(expr, Catch::Contains("sum without (instance, pod, node, container, env, "
                                       "service, namespace, bucket, outcome) (rate("));
    } else {
      CHECK_THAT(expr, Catch::Contains(kSummedAway + " ("));
    }
  }
  // The history guards sum the sources away too: a source that is new in a
  // group with history does not hold the group's alert back.
  YAML::Node const auth = alerts_named(file, "CosErrorGroupSpike").at(0);
  CHECK_THAT(auth["expr"].as<std::string>(),
             Catch::EndsWith("\nand\n" + kSummedAway +
                             " (cos_group_errors_total{group=\"auth\"} offset 1h)"));
  // Nowhere a sum that keeps them: no rule splits an alert by source.
  std::regex const sum_without("sum without \\(([^)]*)\\)");
  for (std::sregex_iterator it(text.begin(), text.end(), sum_without), end; it != end; ++it) {
    std::string const labels = (*it)[1].str();
    if (labels == "reason") continue;  // a self alert over the exporter's own metrics
    INFO(it->str());
    CHECK_THAT(labels, Catch::StartsWith("instance, pod, node, container, env, service, "
                                         "namespace, bucket"));
  }
  CHECK_THAT(text, Catch::Contains("# The sources' labels are summed away with the instances': "
                                   "env, service, namespace, pod, container, bucket.\n"));
}

TEST_CASE("with extra labels each spike alert names its top sources", "[rules]") {
  YAML::Node file = YAML::Load(generate_rules(labeled_config()));
  std::string const shown =
      "{{ range $i, $s := . }}{{ if $i }}, {{ end }}"
      "{{ if or $s.Labels.env $s.Labels.service $s.Labels.namespace $s.Labels.pod "
      "$s.Labels.container $s.Labels.bucket }}"
      "{{ with $s.Labels.env }}env={{ . }} {{ end }}"
      "{{ with $s.Labels.service }}service={{ . }} {{ end }}"
      "{{ with $s.Labels.namespace }}namespace={{ . }} {{ end }}"
      "{{ with $s.Labels.pod }}pod={{ . }} {{ end }}"
      "{{ with $s.Labels.container }}container={{ . }} {{ end }}"
      "{{ with $s.Labels.bucket }}bucket={{ . }} {{ end }}"
      "{{ else }}unlabelled {{ end }}({{ $s.Value | humanize }}/s){{ end }}{{ end }}";
  std::string const by = "sum by (env, service, namespace, pod, container, bucket)";

  std::vector<YAML::Node> groups = alerts_named(file, "CosErrorGroupSpike");
  REQUIRE(groups.size() == 2);
  std::string const integrity = groups[1]["annotations"]["description"].as<std::string>();
  // The top codes as before, then the top sources over the group's window.
  CHECK_THAT(integrity, Catch::Contains("({{ $s.Value | humanize }}/s){{ end }}\n"
                                        "{{ with query `topk(3, " +
                                        by +
                                        " (rate(cos_group_errors_total{group=\"integrity\"}"
                                        "[10m])) > 0)` }}Top sources: " +
                                        shown));
  CHECK_THAT(integrity, Catch::EndsWith(shown));

  std::vector<YAML::Node> codes = alerts_named(file, "CosErrorCodeSpike");
  REQUIRE(codes.size() == 4);
  for (YAML::Node const& code : codes) {
    std::string const description = code["annotations"]["description"].as<std::string>();
    CHECK_THAT(description,
               Catch::Contains("{{ end }}\n{{ with query (printf `topk(3, " + by +
                               " (rate(cos_errors_total{category=%q, code=%q, name=%q}[5m])) > "
                               "0)` $labels.category $labels.code $labels.name) }}Top sources: " +
                               shown));
  }
}

TEST_CASE("without extra labels the rules neither name sources nor sum them", "[rules]") {
  std::string const text = generate_rules(sample_config());
  CHECK(text.find("Top sources") == std::string::npos);
  CHECK(text.find("sources' labels") == std::string::npos);
  CHECK(text.find("sum by (") == text.find("sum by (code, name)"));
  // One static label alone is enough to sum and name it.
  Config one = sample_config();
  UdpInputConfig udp;
  udp.labels = {{"env", "prod"}};
  one.inputs.push_back(udp);
  std::string const labeled = generate_rules(one);
  CHECK_THAT(labeled, Catch::Contains("sum without (instance, pod, node, container, env) ("));
  CHECK_THAT(labeled, Catch::Contains("{{ if or $s.Labels.env }}{{ with $s.Labels.env }}env="));
}
