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
  for (auto const& input : config.inputs) {
    InputSettings const& settings = input_settings(input);
    if (!settings.labels.empty()) plan.static_labels[settings.name] = settings.labels;
    auto const* file = std::get_if<FileInputConfig>(&input);
    if (file && !file->path_labels.empty()) plan.path_labels[file->name] = file->path_labels;
  }
  return plan;
}

}  // namespace cos_exporter
