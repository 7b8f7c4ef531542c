#include "cos_exporter/exposition/landing_page.hpp"

#include <algorithm>
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

std::vector<CodeCount> top_error_codes(MetricStore const& store, std::size_t how_many) {
  std::vector<CodeCount> codes;
  if (auto const* errors = store.find_counter(metric::kErrors)) {
    for (auto const& [labels, cell] : errors->all())
      if (cell->value() > 0) codes.push_back({labels[0], labels[1], labels[2], cell->value()});
  }
  std::sort(codes.begin(), codes.end(), [](auto const& a, auto const& b) {
    // Largest first; ties in label order, so the page is stable.
    return a.count != b.count
               ? a.count > b.count
               : std::tie(a.category, a.code, a.name) < std::tie(b.category, b.code, b.name);
  });
  if (codes.size() > how_many) codes.resize(how_many);
  return codes;
}

std::vector<GroupCount> group_counts(MetricStore const& store,
                                     std::vector<GroupConfig> const& groups) {
  std::vector<GroupCount> counts;
  auto const* family = store.find_counter(metric::kGroupErrors);
  for (auto const& group : groups) {
    std::uint64_t count = 0;
    if (family != nullptr)
      if (auto it = family->all().find({group.name}); it != family->all().end())
        count = it->second->value();
    counts.push_back({group.name, group.description, count});
  }
  return counts;
}

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
