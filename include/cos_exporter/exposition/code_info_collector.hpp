#pragma once

#include <prometheus/collectable.h>

#include "cos_exporter/counting/counting_hub.hpp"

namespace cos_exporter {

// cos_error_code_info and cos_error_exporter_build_info, rendered at scrape
// time from the classifier in force (groups change with a reload).
class CodeInfoCollector : public prometheus::Collectable {
 public:
  explicit CodeInfoCollector(CountingHub const& hub) : hub_(hub) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  CountingHub const& hub_;
};

// The comma-joined, sorted names of the groups in `mask`.
std::string group_label(Classifier const& classifier, GroupMask mask);

}  // namespace cos_exporter
