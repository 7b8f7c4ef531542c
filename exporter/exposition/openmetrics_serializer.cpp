#include "cos_exporter/exposition/openmetrics_serializer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace cos_exporter {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// HELP text and label values escape the same three characters.
void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
  }
}

// Seconds with the milliseconds, as OpenMetrics timestamps are written.
void append_timestamp(std::string& out, std::int64_t timestamp_ms) {
  append_number(out, static_cast<double>(timestamp_ms / 1000));
  std::int64_t ms = timestamp_ms % 1000;
  if (ms < 0) ms = -ms;
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, ".%03lld", static_cast<long long>(ms));
  out += buffer;
}

using Labels = std::vector<prometheus::ClientMetric::Label>;

void append_labels(std::string& out, Labels const& labels, char const* extra_name = nullptr,
                   double extra_value = 0) {
  if (labels.empty() && extra_name == nullptr) return;
  out += '{';
  bool first = true;
  for (auto const& label : labels) {
    if (!first) out += ',';
    first = false;
    out += label.name;
    out += "=\"";
    append_escaped(out, label.value);
    out += '"';
  }
  if (extra_name != nullptr) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    append_number(out, extra_value);
    out += '"';
  }
  out += '}';
}

std::size_t utf8_chars(std::string_view text) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return chars;
}

void append_exemplar(std::string& out, Exemplar const& exemplar) {
  std::size_t chars = 0;
  for (auto const& label : exemplar.labels)
    chars += utf8_chars(label.name) + utf8_chars(label.value);
  if (chars > kMaxExemplarLabelChars) return;
  out += " # {";
  for (std::size_t i = 0; i < exemplar.labels.size(); ++i) {
    if (i > 0) out += ',';
    out += exemplar.labels[i].name;
    out += "=\"";
    append_escaped(out, exemplar.labels[i].value);
    out += '"';
  }
  out += "} ";
  append_number(out, exemplar.value);
  out += ' ';
  append_timestamp(out, exemplar.timestamp_ms);
}

struct SampleWriter {
  std::string& out;
  prometheus::ClientMetric const& series;

  void write(std::string_view name, double value, char const* extra_name = nullptr,
             double extra_value = 0, Exemplar const* exemplar = nullptr) {
    out += name;
    append_labels(out, series.label, extra_name, extra_value);
    out += ' ';
    append_number(out, value);
    if (series.timestamp_ms != 0) {
      out += ' ';
      append_timestamp(out, series.timestamp_ms);
    }
    if (exemplar != nullptr) append_exemplar(out, *exemplar);
    out += '\n';
  }
};

void append_histogram(std::string& out, std::string const& name,
                      prometheus::ClientMetric const& series) {
  SampleWriter writer{out, series};
  for (auto const& bucket : series.histogram.bucket)
    writer.write(name + "_bucket", static_cast<double>(bucket.cumulative_count), "le",
                 bucket.upper_bound);
  if (series.histogram.bucket.empty() || !std::isinf(series.histogram.bucket.back().upper_bound))
    writer.write(name + "_bucket", static_cast<double>(series.histogram.sample_count), "le",
                 INFINITY);
  writer.write(name + "_count", static_cast<double>(series.histogram.sample_count));
  writer.write(name + "_sum", series.histogram.sample_sum);
}

void append_summary(std::string& out, std::string const& name,
                    prometheus::ClientMetric const& series) {
  SampleWriter writer{out, series};
  for (auto const& quantile : series.summary.quantile)
    writer.write(name, quantile.value, "quantile", quantile.quantile);
  writer.write(name + "_count", static_cast<double>(series.summary.sample_count));
  writer.write(name + "_sum", series.summary.sample_sum);
}

std::string_view type_word(prometheus::MetricFamily const& family, bool info) {
  if (info) return "info";
  switch (family.type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Histogram:
      return "histogram";
    case prometheus::MetricType::Untyped:
      break;
  }
  return "unknown";
}

void append_family(std::string& out, prometheus::MetricFamily const& family,
                   ExemplarLookup const& exemplars) {
  bool counter = family.type == prometheus::MetricType::Counter;
  bool info = family.type == prometheus::MetricType::Gauge && ends_with(family.name, "_info");
  std::string name = family.name;
  if (counter && ends_with(name, "_total"))
    name.resize(name.size() - 6);
  else if (info)
    name.resize(name.size() - 5);

  out += "# TYPE ";
  out += name;
  out += ' ';
  out += type_word(family, info);
  out += '\n';
  if (!family.help.empty()) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, family.help);
    out += '\n';
  }
  for (auto const& series : family.metric) {
    SampleWriter writer{out, series};
    switch (family.type) {
      case prometheus::MetricType::Counter: {
        std::optional<Exemplar> exemplar;
        if (exemplars) exemplar = exemplars(family, series);
        writer.write(name + "_total", series.counter.value, nullptr, 0,
                     exemplar ? &*exemplar : nullptr);
        break;
      }
      case prometheus::MetricType::Gauge:
        writer.write(family.name, series.gauge.value);
        break;
      case prometheus::MetricType::Untyped:
        writer.write(family.name, series.untyped.value);
        break;
      case prometheus::MetricType::Histogram:
        append_histogram(out, name, series);
        break;
      case prometheus::MetricType::Summary:
        append_summary(out, name, series);
        break;
    }
  }
}

}  // namespace

std::string serialize_openmetrics(std::vector<prometheus::MetricFamily> const& families,
                                  ExemplarLookup const& exemplars) {
  std::string out;
  for (auto const& family : families) append_family(out, family, exemplars);
  out += "# EOF\n";
  return out;
}

}  // namespace cos_exporter
