#include "cos_exporter/counting/counting_hub.hpp"

namespace cos_exporter {

CountingHub::CountingHub(std::shared_ptr<Classifier const> classifier,
                         std::uint32_t max_unknown_codes)
    : unknown_(store_, max_unknown_codes) {
  install(std::move(classifier), max_unknown_codes);
}

void CountingHub::install(std::shared_ptr<Classifier const> classifier,
                          std::uint32_t max_unknown_codes) {
  unknown_.set_limit(max_unknown_codes);
  counter_ = std::make_unique<EventCounter>(std::move(classifier), store_, unknown_);
}

}  // namespace cos_exporter
