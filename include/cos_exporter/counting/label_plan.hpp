#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cos_exporter {

// The extra labels of the event series, as a config asks for them.
struct LabelPlan {
  std::vector<std::string> names;         // sorted
  std::vector<std::uint32_t> max_values;  // per name
  std::uint64_t max_series = 10000;
  std::vector<std::string> event_fields;  // per name: its event field, "" for others
  std::map<std::string, std::map<std::string, std::string>> static_labels;  // input -> labels
  std::map<std::string, std::string> path_labels;  // file input -> RE2 regex on the path
};

}  // namespace cos_exporter
