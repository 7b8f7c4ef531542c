#include "cos_exporter/daemon/classifier_factory.hpp"

namespace cos_exporter {

std::shared_ptr<Classifier const> make_classifier(Config const& config) {
  return std::make_shared<Classifier const>(load_catalog_for(config), GroupMatcher(config.groups));
}

}  // namespace cos_exporter
