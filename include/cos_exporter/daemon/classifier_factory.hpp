#pragma once

#include <memory>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// The classifier a config asks for: its catalog (file or built-in, plus
// extra entries) and its groups. Throws ConfigError.
std::shared_ptr<Classifier const> make_classifier(Config const& config);

}  // namespace cos_exporter
