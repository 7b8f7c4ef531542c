#pragma once

#include <string>
#include <vector>

#include "cos_exporter/config/config.hpp"

namespace cos_exporter {

// What in a valid config will most likely not work on this machine as it is
// now, one line each, in config order: a file input whose glob matches no
// regular file (a typo, or logs elsewhere), and a state_file whose directory
// cannot be written (or created). Not errors: files may appear later and a
// directory may be fixed, but the operator should hear of it before the
// surprise. check-config prints these; the daemon logs them at warn level.
std::vector<std::string> environment_warnings(Config const& config);

}  // namespace cos_exporter
