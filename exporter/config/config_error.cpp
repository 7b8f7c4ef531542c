#include "cos_exporter/config/config_error.hpp"

namespace cos_exporter {

ConfigError::ConfigError(std::string const& file, int line, int column, std::string const& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         message) {}

}  // namespace cos_exporter
