#include <iostream>
#include <ostream>

#include "cos_exporter/alerting/rules_generator.hpp"
#include "cos_exporter/cli/commands.hpp"

namespace cos_exporter {

int run_rules(Config const& config, Classifier const& /*classifier*/, std::ostream& out) {
  std::string rules;
  try {
    rules = generate_rules(config);
  } catch (RulesError const& error) {
    std::cerr << "cos_error_exporter rules: " << config.source << ": " << error.what() << '\n';
    return 1;
  }
  out << rules;
  out.flush();
  return out ? 0 : 1;
}

}  // namespace cos_exporter
