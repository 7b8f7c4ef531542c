#include "cos_exporter/exposition/landing_page.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "cos_exporter/common/utf8.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

std::string html_escape(std::string_view text) {
  // The page is served as UTF-8: other bytes are shown as \xNN.
  std::string sanitized;
  if (!is_valid_utf8(text)) {
    sanitized = sanitize_utf8(text);
    text = sanitized;
  }
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The families of the event series: the one without extra labels and one
// per set of extra labels in force or once in force. The first labels are
// the same in each; the extra ones follow.
std::vector<CodeCount> top_error_codes(MetricStore const& store, std::size_t how_many) {
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> sums;
  for (auto const* errors : store.counter_families(metric::kErrors))
    for (auto const& [labels, cell] : errors->all())
      if (cell->value() > 0) sums[{labels[0], labels[1], labels[2]}] += cell->value();
  std::vector<CodeCount> codes;
  for (auto const& [key, count] : sums)
    codes.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  // Largest first; ties in label order (the map's), so the page is stable.
  std::stable_sort(codes.begin(), codes.end(),
                   [](auto const& a, auto const& b) { return a.count > b.count; });
  if (codes.size() > how_many) codes.resize(how_many);
  return codes;
}

std::vector<GroupCount> group_counts(MetricStore const& store,
                                     std::vector<GroupConfig> const& groups) {
  std::map<std::string, std::uint64_t, std::less<>> sums;
  for (auto const* family : store.counter_families(metric::kGroupErrors))
    for (auto const& [labels, cell] : family->all()) sums[labels[0]] += cell->value();
  std::vector<GroupCount> counts;
  for (auto const& group : groups) {
    auto it = sums.find(group.name);
    counts.push_back({group.name, group.description, it == sums.end() ? 0 : it->second});
  }
  return counts;
}

std::vector<MalformedCount> malformed_by_reason(MetricStore const& store) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> sums;
  for (auto const* family : store.counter_families(metric::kMalformed))
    for (auto const& [labels, cell] : family->all())
      if (cell->value() > 0) sums[{labels[0], labels[1]}] += cell->value();
  std::vector<MalformedCount> counts;
  for (auto const& [key, count] : sums) counts.push_back({key.first, key.second, count});
  return counts;
}

std::string format_duration(double seconds) {
  auto total = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds);
  std::uint64_t const parts[] = {total / 86400, total / 3600 % 24, total / 60 % 60, total % 60};
  char const* const units[] = {"d", "h", "m", "s"};
  std::string text;
  for (std::size_t i = 0; i < 4; ++i)
    if (!text.empty() || parts[i] > 0 || i == 3) {
      if (!text.empty()) text += ' ';
      text.append(std::to_string(parts[i])).append(units[i]);
    }
  return text;
}

namespace {

// How far behind each tailed file is: what is left to read, and how long ago
// a line came.
std::string render_tailed_files(std::vector<InputStatus> const& inputs) {
  std::string html;
  for (auto const& input : inputs)
    for (auto const& file : input.files) {
      std::string last = file.seconds_since_last_line
                             ? format_duration(*file.seconds_since_last_line) + " ago"
                             : "none since start";
      html += "<tr><td>" + html_escape(input.name) + "</td><td>" + html_escape(file.path) +
              "</td><td class=\"n\">" + std::to_string(file.bytes_behind()) +
              "</td><td class=\"n\">" + std::to_string(file.offset) + " / " +
              std::to_string(file.size) + "</td><td>" + last + "</td></tr>\n";
    }
  if (html.empty()) return "";
  return "<h2>Tailed files</h2>\n<table id=\"files\"><tr><th>Input</th><th>Path</th>"
         "<th>Bytes behind</th><th>Read / size (bytes)</th><th>Last line</th></tr>\n" +
         html + "</table>\n";
}

std::string render_malformed(std::vector<MalformedCount> const& malformed) {
  std::string html = "<h2>Malformed lines</h2>\n";
  if (malformed.empty()) return html + "<p id=\"malformed-empty\">No malformed lines.</p>\n";
  html += "<table id=\"malformed\"><tr><th>Input</th><th>Reason</th><th>Lines</th></tr>\n";
  for (auto const& m : malformed)
    html += "<tr><td>" + html_escape(m.input) + "</td><td>" + html_escape(m.reason) +
            "</td><td class=\"n\">" + std::to_string(m.count) + "</td></tr>\n";
  return html + "</table>\n";
}

}  // namespace

std::string render_landing_page(LandingPageData const& data) {
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cos_error_exporter</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}td.n{text-align:right}</style></head><body>
<h1>cos_error_exporter</h1>
)";
  html += "<p id=\"version\">Version " + html_escape(data.version) + " (revision " +
          html_escape(data.revision) + ")</p>\n";
  html += "<p id=\"config\">Configuration: " + html_escape(data.config_source) + "</p>\n";
  html += std::string("<p id=\"state\">State: ") + (data.ready ? "ready" : "not ready") + "</p>\n";
  html += "<p id=\"uptime\">Up " + format_duration(data.uptime_seconds) + "</p>\n";
  if (!data.reload_error.empty()) {
    html +=
        "<p id=\"reload-error\" style=\"color:#b00000\"><strong>The last reload failed; the "
        "configuration before it stays in force:</strong> " +
        html_escape(data.reload_error) + "</p>\n";
  }
  html +=
      R"(<ul><li><a href="/metrics">Metrics</a></li><li><a href="/-/healthy">Health</a></li><li><a href="/-/ready">Readiness</a></li></ul>
)";

  html +=
      "<h2>Inputs</h2>\n<table id=\"inputs\"><tr><th>Name</th><th>Kind</th><th>Address</th>"
      "<th>State</th><th>Lines received</th><th>Malformed</th></tr>\n";
  for (auto const& input : data.inputs)
    html += "<tr><td>" + html_escape(input.name) + "</td><td>" + html_escape(input.kind) +
            "</td><td>" + html_escape(input.address) + "</td><td>" + html_escape(input.state) +
            "</td><td class=\"n\">" + std::to_string(input.received) + "</td><td class=\"n\">" +
            std::to_string(input.malformed) + "</td></tr>\n";
  html += "</table>\n";
  html += render_tailed_files(data.inputs);
  html += render_malformed(data.malformed);

  html += "<h2>Top error codes</h2>\n";
  if (data.top_codes.empty()) {
    html += "<p id=\"top-codes-empty\">No errors counted yet.</p>\n";
  } else {
    html +=
        "<table id=\"top-codes\"><tr><th>Code</th><th>Name</th><th>Category</th>"
        "<th>Errors</th></tr>\n";
    for (auto const& code : data.top_codes)
      html += "<tr><td>" + html_escape(code.code) + "</td><td>" + html_escape(code.name) +
              "</td><td>" + html_escape(code.category) + "</td><td class=\"n\">" +
              std::to_string(code.count) + "</td></tr>\n";
    html += "</table>\n";
  }

  html +=
      "<h2>Alert groups</h2>\n<table id=\"groups\"><tr><th>Group</th><th>Description</th>"
      "<th>Errors</th></tr>\n";
  for (auto const& group : data.groups)
    html += "<tr><td>" + html_escape(group.name) + "</td><td>" + html_escape(group.description) +
            "</td><td class=\"n\">" + std::to_string(group.count) + "</td></tr>\n";
  html += "</table>\n</body></html>\n";
  return html;
}

}  // namespace cos_exporter
