#pragma once

#include <iosfwd>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// The subcommands beside the daemon. Each writes to `out` and returns the exit code.
int run_classify(Classifier const& classifier, std::int64_t code, std::string const& message,
                 SdkDialect sdk, std::ostream& out);
int run_catalog(Classifier const& classifier, std::string const& format, std::ostream& out);
// The Prometheus rule file generated from the groups' and code_alert's settings.
int run_rules(Config const& config, Classifier const& classifier, std::ostream& out);

}  // namespace cos_exporter
