#include "cos_exporter/counting/counting_hub.hpp"

namespace cos_exporter {

CountingHub::CountingHub(std::shared_ptr<Classifier const> classifier,
                         std::uint32_t max_unknown_codes, std::vector<std::string> exemplar_fields,
                         LabelPlan const& labels)
    : unknown_(store_, exemplars_, max_unknown_codes) {
  install(std::move(classifier), max_unknown_codes, std::move(exemplar_fields), labels);
}

void CountingHub::install(std::shared_ptr<Classifier const> classifier,
                          std::uint32_t max_unknown_codes, std::vector<std::string> exemplar_fields,
                          LabelPlan const& labels) {
  unknown_.set_limit(max_unknown_codes);
  counter_ = std::make_unique<EventCounter>(std::move(classifier), store_, unknown_, exemplars_,
                                            labeled_, std::move(exemplar_fields), labels);
}

}  // namespace cos_exporter
