#include <catch2/catch.hpp>
#include <cmath>

#include "cos_exporter/exposition/openmetrics_serializer.hpp"

using namespace cos_exporter;

namespace {

prometheus::ClientMetric series(std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  metric.gauge.value = value;
  metric.untyped.value = value;
  return metric;
}

}  // namespace

TEST_CASE("OpenMetrics: counters drop _total from the family, gauges and info keep names",
          "[exposition][openmetrics]") {
  std::vector<prometheus::MetricFamily> families{
      {"cos_errors_total",
       "Errors \"by\" code\\name\nsecond line",
       prometheus::MetricType::Counter,
       {series({{"code", "-4016"}, {"name", "a\"b\\c\nd"}}, 7)}},
      {"process_open_fds", "Open fds.", prometheus::MetricType::Gauge, {series({}, 1.5)}},
      {"cos_error_exporter_build_info",
       "Build.",
       prometheus::MetricType::Gauge,
       {series({{"version", "1"}}, 1)}},
      {"legacy", "", prometheus::MetricType::Untyped, {series({}, NAN)}},
      {"plain_counter", "No suffix.", prometheus::MetricType::Counter, {series({}, INFINITY)}},
  };
  CHECK(serialize_openmetrics(families) ==
        "# TYPE cos_errors counter\n"
        "# HELP cos_errors Errors \\\"by\\\" code\\\\name\\nsecond line\n"
        "cos_errors_total{code=\"-4016\",name=\"a\\\"b\\\\c\\nd\"} 7\n"
        "# TYPE process_open_fds gauge\n"
        "# HELP process_open_fds Open fds.\n"
        "process_open_fds 1.5\n"
        "# TYPE cos_error_exporter_build info\n"
        "# HELP cos_error_exporter_build Build.\n"
        "cos_error_exporter_build_info{version=\"1\"} 1\n"
        "# TYPE legacy unknown\n"
        "legacy NaN\n"
        "# TYPE plain_counter counter\n"
        "# HELP plain_counter No suffix.\n"
        "plain_counter_total +Inf\n"
        "# EOF\n");
}

TEST_CASE("OpenMetrics: an empty exposition is just # EOF", "[exposition][openmetrics]") {
  CHECK(serialize_openmetrics({}) == "# EOF\n");
}

TEST_CASE("OpenMetrics: a counter series carries its exemplar", "[exposition][openmetrics]") {
  std::vector<prometheus::MetricFamily> families{
      {"cos_errors_total",
       "",
       prometheus::MetricType::Counter,
       {series({{"code", "-4016"}}, 3), series({{"code", "-4017"}}, 1)}},
  };
  auto lookup = [](prometheus::MetricFamily const& family,
                   prometheus::ClientMetric const& metric) -> std::optional<Exemplar> {
    CHECK(family.name == "cos_errors_total");
    if (metric.label[0].value != "-4016") return std::nullopt;
    return Exemplar{{{"request_id", "NTk\"x"}, {"trace_id", "ab"}}, 1, 1764324000123};
  };
  CHECK(serialize_openmetrics(families, lookup) ==
        "# TYPE cos_errors counter\n"
        "cos_errors_total{code=\"-4016\"} 3 # {request_id=\"NTk\\\"x\",trace_id=\"ab\"} 1 "
        "1764324000.123\n"
        "cos_errors_total{code=\"-4017\"} 1\n"
        "# EOF\n");
}

TEST_CASE("OpenMetrics: an exemplar over 128 characters is left out", "[exposition][openmetrics]") {
  std::vector<prometheus::MetricFamily> families{
      {"c_total", "", prometheus::MetricType::Counter, {series({}, 1)}}};
  // "request_id" is 10 characters; "é" is one character in two bytes.
  std::string value;
  for (int i = 0; i < 118; ++i) value += "é";
  auto exemplar_of = [](std::string v) {
    return [v](auto const&, auto const&) -> std::optional<Exemplar> {
      return Exemplar{{{"request_id", v}}, 2, 5};
    };
  };
  CHECK(serialize_openmetrics(families, exemplar_of(value)) ==
        "# TYPE c counter\nc_total 1 # {request_id=\"" + value + "\"} 2 0.005\n# EOF\n");
  CHECK(serialize_openmetrics(families, exemplar_of(value + "x")) ==
        "# TYPE c counter\nc_total 1\n# EOF\n");
}

TEST_CASE("OpenMetrics: histograms and summaries", "[exposition][openmetrics]") {
  prometheus::ClientMetric h;
  h.histogram.sample_count = 3;
  h.histogram.sample_sum = 0.75;
  h.histogram.bucket = {{1, 0.1}, {3, 1}};
  prometheus::ClientMetric s;
  s.label = {{"path", "/"}};
  s.summary.sample_count = 2;
  s.summary.sample_sum = 4;
  s.summary.quantile = {{0.5, 1.5}};
  std::vector<prometheus::MetricFamily> families{
      {"latency_seconds", "", prometheus::MetricType::Histogram, {h}},
      {"size_bytes", "", prometheus::MetricType::Summary, {s}}};
  CHECK(serialize_openmetrics(families) ==
        "# TYPE latency_seconds histogram\n"
        "latency_seconds_bucket{le=\"0.1\"} 1\n"
        "latency_seconds_bucket{le=\"1\"} 3\n"
        "latency_seconds_bucket{le=\"+Inf\"} 3\n"
        "latency_seconds_count 3\n"
        "latency_seconds_sum 0.75\n"
        "# TYPE size_bytes summary\n"
        "size_bytes{path=\"/\",quantile=\"0.5\"} 1.5\n"
        "size_bytes_count{path=\"/\"} 2\n"
        "size_bytes_sum{path=\"/\"} 4\n"
        "# EOF\n");
}
