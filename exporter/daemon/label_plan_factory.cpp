#include "label_plan_factory.hpp"

#include <algorithm>

#include "cos_exporter/config/label_settings.hpp"

namespace cos_exporter {

LabelPlan make_label_plan(Config const& config) {
  LabelPlan plan;
  plan.names = extra_label_names(config);
  plan.max_series = config.limits.max_series;
  for (auto const& name : plan.names) {
    auto event = std::find_if(config.event_labels.begin(), config.event_labels.end(),
                              [&](EventLabelConfig const& label) { return label.name == name; });
    bool is_event = event != config.event_labels.end();
    plan.max_values.push_back(is_event ? event->max_values : config.limits.max_label_values);
    plan.event_fields.push_back(is_event ? event->field : std::string());
  }
  auto add_static = [&](auto const& inputs) {
    for (auto const& input : inputs)
      if (!input.labels.empty()) plan.static_labels[input.name] = input.labels;
  };
  add_static(config.udp_inputs);
  add_static(config.unixgram_inputs);
  add_static(config.file_inputs);
  for (auto const& input : config.file_inputs)
    if (!input.path_labels.empty()) plan.path_labels[input.name] = input.path_labels;
  return plan;
}

}  // namespace cos_exporter
