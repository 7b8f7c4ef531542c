#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/exposition/metrics_exposition.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "daemon/label_plan_factory.hpp"

using namespace cos_exporter;

namespace {

struct Labeled {
  explicit Labeled(std::string const& yaml)
      : config(parse_config(yaml, "c.yaml")),
        hub(make_classifier(config), config.limits.max_unknown_codes, config.exemplar_fields,
            make_label_plan(config)),
        processor(LineParser(EventFormat::auto_detect, "", 1024), InputCounters(hub.store(), "udp"),
                  hub) {}

  double errors(std::vector<std::string> const& labels) const {
    for (auto const* family : hub.store().counter_families(metric::kErrors))
      if (auto it = family->all().find(labels); it != family->all().end())
        return static_cast<double>(it->second->value());
    return -1;
  }
  double overflow(std::string const& label) const {
    auto const* family = hub.store().find_counter(metric::kLabelOverflow);
    if (family == nullptr) return -1;
    auto it = family->all().find({label});
    return it == family->all().end() ? -1 : static_cast<double>(it->second->value());
  }

  Config config;
  CountingHub hub;
  LineProcessor processor;
};

std::string const kUdpWithLabels =
    "inputs:\n  udp:\n    - name: udp\n      listen: 127.0.0.1:0\n      labels: {service: up}\n"
    "event_labels:\n  - {name: bucket, field: bucket, max_values: 2}\n"
    "  - {name: region, field: region}\n";

}  // namespace

TEST_CASE("extra labels: static and event labels, in name order, max_values", "[labels]") {
  Labeled l(kUdpWithLabels);
  l.processor.process_line(R"({"code":-4016,"bucket":"a","region":"gz"})");
  l.processor.process_line("code=-4016 bucket=b");
  l.processor.process_line("code=-4016 bucket=c count=3");
  l.processor.process_line("code=-4016 bucket=a");
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "gz", "up"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "", "up"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "b", "", "up"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "other", "", "up"}) == 3);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA"}) == 0);
  CHECK(l.overflow("bucket") == 3);
  CHECK(l.overflow("region") == 0);
  CHECK(l.overflow("limits.max_series") == 0);
}

TEST_CASE("extra labels: limits.max_series sends new series to the all-other one", "[labels]") {
  Labeled l(kUdpWithLabels + "limits: {max_series: 6}\n");
  // Each error creates three series: the code's, the outcome's and its group's.
  l.processor.process_line("code=-4016 bucket=a region=r1");
  l.processor.process_line("code=-4016 bucket=a region=r2");
  l.processor.process_line("code=-4016 bucket=a region=r3 count=2");
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "r1", "up"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "r2", "up"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "r3", "up"}) == -1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "other", "other", "other"}) == 2);
  // The code's, the outcome's and the group's series overflowed: one event of
  // count 2, counted once.
  CHECK(l.overflow("limits.max_series") == 2);
  // A success event has one series (its outcome's): once as well; and an
  // error event whose outcome series exists (a, r1) but whose code and group
  // series would be new, once.
  l.processor.process_line("code=0 bucket=b region=r1");
  CHECK(l.overflow("limits.max_series") == 3);
  l.processor.process_line("code=-96 bucket=a region=r1");
  CHECK(l.overflow("limits.max_series") == 4);
  CHECK(l.errors({"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED", "other", "other", "other"}) == 1);
}

TEST_CASE("extra labels: every event of an overflowed combination counts as overflow", "[labels]") {
  Labeled l(kUdpWithLabels + "limits: {max_series: 6}\n");
  for (int i = 0; i < 3; ++i) {
    l.processor.process_line("code=-4016 bucket=a region=r1");
    l.processor.process_line("code=-4016 bucket=a region=r2 count=2");  // the sixth series
    l.processor.process_line("code=-4016 bucket=a region=r3");          // over max_series
  }
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "r1", "up"}) == 3);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "a", "r2", "up"}) == 6);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "other", "other", "other"}) == 3);
  CHECK(l.overflow("limits.max_series") == 3);  // three events, each once (not once a series)
  auto group = [&](std::vector<std::string> const& labels) {
    auto const* family = l.hub.store().counter_families(metric::kGroupErrors).back();
    auto it = family->all().find(labels);
    return it == family->all().end() ? -1 : static_cast<double>(it->second->value());
  };
  CHECK(group({"integrity", "a", "r1", "up"}) == 3);
  CHECK(group({"integrity", "other", "other", "other"}) == 3);
}

TEST_CASE("extra labels: long values are cut to 128 bytes on a character boundary", "[labels]") {
  Labeled l(kUdpWithLabels);
  std::string long_value(127, 'x');
  long_value += "é";  // bytes 128 and 129
  l.processor.process_line("code=-4016 region=" + long_value);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "", std::string(127, 'x'), "up"}) == 1);
}

TEST_CASE("extra labels: none configured leaves the exposition as it was", "[labels]") {
  Config config = builtin_config();
  CountingHub plain(make_classifier(config), 64);
  CountingHub planned(make_classifier(config), 64, {}, make_label_plan(config));
  for (CountingHub* hub : {&plain, &planned}) {
    LineProcessor processor(LineParser(EventFormat::auto_detect, "", 1024),
                            InputCounters(hub->store(), "udp"), *hub);
    processor.process_line(R"({"code":-4016,"bucket":"a"})");
    processor.process_line("-9999");
  }
  CHECK(render_exposition({&plain.store()}) == render_exposition({&planned.store()}));
  CHECK(render_exposition({&planned.store()}).find(metric::kLabelOverflow) == std::string::npos);
}

TEST_CASE("extra labels: names are checked at load", "[labels][config]") {
  auto error_of = [](std::string const& yaml) {
    try {
      parse_config(yaml, "c.yaml");
    } catch (ConfigError const& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error_of("event_labels:\n  - {name: code, field: x}\n") ==
        "c.yaml:2:12: event label: \"code\" is reserved: the event series already have that "
        "label");
  CHECK(error_of("event_labels:\n  - {name: __x, field: x}\n").starts_with("c.yaml:2:12: "));
  CHECK(error_of("event_labels:\n  - {name: a, field: x}\n  - {name: a, field: y}\n") ==
        "c.yaml:3:12: event label \"a\" is listed twice");
  CHECK(error_of("event_labels:\n  - {name: a}\n") ==
        "c.yaml:2:5: an event label needs a name and a field");
  CHECK(error_of("inputs:\n  udp:\n    - labels: {outcome: x}\n") ==
        "c.yaml:3:16: labels: \"outcome\" is reserved: the event series already have that "
        "label");
  CHECK(error_of("inputs:\n  udp:\n    - labels: {9x: x}\n").starts_with("c.yaml:3:16: "));
  CHECK(error_of("event_labels:\n  - {name: instance, field: host}\n") ==
        "c.yaml:2:12: event label: \"instance\" is reserved: Prometheus labels every series "
        "with its target's");
  CHECK(error_of("inputs:\n  udp:\n    - labels: {job: x}\n").starts_with("c.yaml:3:16: "));
  CHECK(error_of("event_labels:\n  - {name: service, field: s}\n"
                 "inputs:\n  udp:\n    - labels: {service: x}\n") ==
        "c.yaml:5:16: labels: \"service\" is already an event label");
  CHECK(error_of("inputs:\n  files:\n    - path: /x/*.log\n      path_labels: '/x/(.*)'\n") ==
        "c.yaml:4:20: path_labels needs named groups, e.g. (?P<namespace>[^_]+)");
  CHECK(error_of("inputs:\n  files:\n    - path: /x/*.log\n      path_labels: '/(?P<group>x)'\n")
            .starts_with("c.yaml:4:20: path_labels: \"group\" is reserved"));
  CHECK(error_of("inputs:\n  files:\n    - path: /x/*.log\n      path_labels: '(?P<a'\n")
            .starts_with("c.yaml:4:20: invalid path_labels regex"));
}

TEST_CASE("extra labels: path label values of bytes that are not UTF-8 are \\xNN", "[labels]") {
  Labeled l(
      "inputs:\n  files:\n    - name: udp\n      path: /p/*/*.log\n"
      "      path_labels: '^/p/(?P<pod>[^/]+)/'\n");
  l.processor.set_source_path("/p/\xff\xfe/0.log");
  l.processor.process_line("code=-4016");
  l.processor.set_source_path("/p/up-\xc3\xa9/0.log");  // valid UTF-8 stays as it is
  l.processor.process_line("code=-4016");
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "\\xff\\xfe"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA", "up-\xc3\xa9"}) == 1);
  CHECK(l.errors({"file_plugin", "-4016", "ErrNotSameSHA"}) == 0);
}
