#pragma once

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/label_plan.hpp"

namespace cos_exporter {

// The extra labels a config asks for: every input's static labels, the event
// labels and the file inputs' path labels, with their limits.
LabelPlan make_label_plan(Config const& config);

}  // namespace cos_exporter
