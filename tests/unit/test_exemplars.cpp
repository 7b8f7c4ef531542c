#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/exemplar_cell.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/exposition/error_exemplars.hpp"
#include "cos_exporter/exposition/metrics_exposition.hpp"
#include "cos_exporter/intake/line_processor.hpp"

using namespace cos_exporter;

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

Labels labels_of(ExemplarCell const& cell) {
  Labels labels;
  cell.for_each_label([&](std::string_view name, std::string_view value) {
    labels.emplace_back(std::string(name), std::string(value));
  });
  return labels;
}

EventFields fields(std::initializer_list<std::string_view> values) {
  EventFields out;
  std::size_t i = 0;
  for (auto value : values) out.values[i++] = value;
  return out;
}

std::vector<std::string> const kNames{"request_id", "trace_id"};

}  // namespace

TEST_CASE("exemplar cell: the last event with fields, its amount and time", "[exemplar]") {
  ExemplarCell cell;
  CHECK(cell.empty());
  cell.record(kNames, fields({"", ""}), 1);
  CHECK(cell.empty());
  std::int64_t before = exemplar_clock_ms();
  cell.record(kNames, fields({"r1", "t1"}), 3);
  CHECK(labels_of(cell) == Labels{{"request_id", "r1"}, {"trace_id", "t1"}});
  CHECK(cell.value() == 3);
  // A coarse clock: within its resolution of the call.
  CHECK(cell.timestamp_ms() >= before - 20);
  CHECK(cell.timestamp_ms() <= exemplar_clock_ms() + 20);
  cell.record(kNames, fields({"r2", ""}), 1);
  CHECK(labels_of(cell) == Labels{{"request_id", "r2"}});
  // An event without any field keeps the exemplar there is.
  cell.record(kNames, fields({"", ""}), 5);
  CHECK(labels_of(cell) == Labels{{"request_id", "r2"}});
  CHECK(cell.value() == 1);
}

TEST_CASE("exemplar cell: at most 128 characters, UTF-8 only", "[exemplar]") {
  ExemplarCell cell;
  // request_id (10) + 118 characters, two bytes each: exactly 128.
  std::string fits;
  for (int i = 0; i < 118; ++i) fits += "é";
  cell.record(kNames, fields({fits, "t"}), 1);
  CHECK(labels_of(cell) == Labels{{"request_id", fits}});  // trace_id no longer fits
  cell.record(kNames, fields({fits + "x", "t"}), 1);
  CHECK(labels_of(cell) == Labels{{"trace_id", "t"}});
  cell.record(kNames, fields({"bad\xff", "\xc3("}), 1);
  CHECK(labels_of(cell) == Labels{{"trace_id", "t"}});
  cell.record(kNames, fields({"ok", "\xc3("}), 1);
  CHECK(labels_of(cell) == Labels{{"request_id", "ok"}});
}

TEST_CASE("exemplars: each format gives the fields, each error series keeps its last",
          "[exemplar]") {
  Config config = builtin_config();
  CountingHub hub(make_classifier(config), 2, config.exemplar_fields);
  LineProcessor json(LineParser(EventFormat::auto_detect, "", 1024),
                     InputCounters(hub.store(), "auto"), hub);
  LineProcessor regex(
      LineParser(EventFormat::regex, R"(code=(?P<code>-?\d+) id=(?P<request_id>\S*))", 1024),
      InputCounters(hub.store(), "regex"), hub);
  json.process_line(R"({"code":-4016,"request_id":"NTk-json","trace_id":"4bf9","x":1})");
  json.process_line(R"({"code":-96,"request_id":7})");  // not a string: no exemplar
  json.process_line("code=-5997 request_id=NTk-logfmt");
  json.process_line(R"({"code":70001,"request_id":"NTk-unknown"})");
  json.process_line(R"({"code":0,"request_id":"NTk-success"})");
  regex.process_line("code=-4017 id=NTk-regex");

  auto const* errors = hub.store().find_counter(metric::kErrors);
  REQUIRE(errors != nullptr);
  auto exemplar = [&](std::vector<std::string> const& series) {
    auto it = errors->all().find(series);
    REQUIRE(it != errors->all().end());
    ExemplarCell const* cell = hub.exemplars().find(*it->second);
    REQUIRE(cell != nullptr);
    return labels_of(*cell);
  };
  CHECK(exemplar({"file_plugin", "-4016", "ErrNotSameSHA"}) ==
        Labels{{"request_id", "NTk-json"}, {"trace_id", "4bf9"}});
  CHECK(exemplar({"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"}).empty());
  CHECK(exemplar({"cgi", "-5997", "ERROR_CGI_NETWORK"}) == Labels{{"request_id", "NTk-logfmt"}});
  CHECK(exemplar({"unknown", "70001", "UNKNOWN"}) == Labels{{"request_id", "NTk-unknown"}});
  CHECK(exemplar({"file_plugin", "-4017", "ErrHttpSvr"}) == Labels{{"request_id", "NTk-regex"}});

  std::string page =
      render_exposition({&hub.store()}, ExpositionFormat::openmetrics_1_0_0, error_exemplars(hub));
  CHECK(
      page.find("cos_errors_total{category=\"file_plugin\",code=\"-4016\",name=\"ErrNotSameSHA\"} "
                "1 # {request_id=\"NTk-json\",trace_id=\"4bf9\"} 1 ") != std::string::npos);
  CHECK(page.find("name=\"ERROR_PROXY_AUTH_EXPIRED\"} 1\n") != std::string::npos);
  // The text format has no exemplars.
  CHECK(render_exposition({&hub.store()}).find("NTk") == std::string::npos);
}

TEST_CASE("exemplars: a reload changes the fields read", "[exemplar]") {
  Config config = builtin_config();
  CountingHub hub(make_classifier(config), 2, {"request_id"});
  LineProcessor regex(LineParser(EventFormat::regex,
                                 R"(code=(?P<code>-?\d+) (?P<request_id>\S+) (?P<span>\S+))", 1024),
                      InputCounters(hub.store(), "regex"), hub);
  regex.process_line("code=-4016 r1 s1");
  hub.install(make_classifier(config), 2, {"span"});
  regex.process_line("code=-4016 r2 s2");
  auto const* errors = hub.store().find_counter(metric::kErrors);
  auto it = errors->all().find({"file_plugin", "-4016", "ErrNotSameSHA"});
  REQUIRE(it != errors->all().end());
  CHECK(labels_of(*hub.exemplars().find(*it->second)) == Labels{{"span", "s2"}});
}

TEST_CASE("exemplar cell: a value with a } is left out; every value left out is counted",
          "[exemplar]") {
  MetricStore store;
  ExemplarStore exemplars(store);
  auto dropped = [&](char const* reason) {
    return store.counter(metric::kExemplarDroppedFamily).series({reason}).value();
  };
  CHECK(dropped("brace") == 0);
  ExemplarCell cell;
  cell.record(kNames, fields({"ok", "t"}), 1, exemplars.drops());
  // python3-prometheus-client's strict parser refuses a page with it.
  cell.record(kNames, fields({"brace}x", "t2"}), 1, exemplars.drops());
  CHECK(labels_of(cell) == Labels{{"trace_id", "t2"}});
  cell.record(kNames, fields({"a{b", ""}), 1, exemplars.drops());  // a '{' is fine
  CHECK(labels_of(cell) == Labels{{"request_id", "a{b"}});
  cell.record(kNames, fields({"bad\xff", std::string(120, 't')}), 1, exemplars.drops());
  cell.record(kNames, fields({std::string(119, 'r'), "}"}), 1, exemplars.drops());
  CHECK(dropped("brace") == 2);
  CHECK(dropped("invalid_utf8") == 1);
  CHECK(dropped("too_long") == 1);  // request_id (10) + 119 > 128; trace_id + 120 fits
}
