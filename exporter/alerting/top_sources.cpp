#include "top_sources.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "cos_exporter/config/label_settings.hpp"

namespace cos_exporter {

namespace {

// Labels that tell exporter instances apart.
constexpr std::array<std::string_view, 4> kInstanceLabels{"instance", "pod", "node", "container"};

}  // namespace

std::string label_list(std::vector<std::string> const& names) {
  std::string out;
  for (std::string const& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::vector<std::string> source_label_names(Config const& config) {
  std::set<std::string> const statics = static_label_names(config);
  std::vector<std::string> names(statics.begin(), statics.end());
  auto add = [&](std::string const& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (auto const& input : config.inputs)
    if (auto const* file = std::get_if<FileInputConfig>(&input))
      for (std::string const& name : path_label_names(file->path_labels)) add(name);
  for (auto const& label : config.event_labels) add(label.name);
  return names;
}

std::string summed_away_labels(std::vector<std::string> const& sources) {
  std::vector<std::string> names(kInstanceLabels.begin(), kInstanceLabels.end());
  for (std::string const& name : sources) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return label_list(names);
}

std::string top_sources_query(std::vector<std::string> const& sources, std::string_view counter,
                              std::string_view selector, std::string_view window) {
  return "topk(3, sum by (" + label_list(sources) + ") (rate(" + std::string(counter) +
         std::string(selector) + "[" + std::string(window) + "])) > 0)";
}

std::string top_sources_line(std::vector<std::string> const& sources,
                             std::string_view query_argument) {
  std::string any_label = "or";
  std::string labels;
  for (std::string const& name : sources) {
    any_label += " $s.Labels." + name;
    labels += "{{ with $s.Labels." + name + " }}" + name + "={{ . }} {{ end }}";
  }
  return "{{ with query " + std::string(query_argument) +
         " }}Top sources: {{ range $i, $s := . }}{{ if $i }}, {{ end }}{{ if " + any_label + " }}" +
         labels + "{{ else }}unlabelled {{ end }}({{ $s.Value | humanize }}/s){{ end }}" +
         "{{ end }}";
}

}  // namespace cos_exporter
