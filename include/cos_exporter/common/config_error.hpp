#pragma once

#include <stdexcept>
#include <string>

namespace cos_exporter {

// A problem in a YAML file the operator wrote. what() is one line:
// "FILE:LINE:COLUMN: MESSAGE", lines and columns counted from 1; control
// bytes in it (a quoted key holding a newline) are written as \n, \xNN.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string const& file, int line, int column, std::string const& message);
  explicit ConfigError(std::string const& whole_message);
};

}  // namespace cos_exporter
