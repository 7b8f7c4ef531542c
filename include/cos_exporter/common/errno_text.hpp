#pragma once

#include <string>

namespace cos_exporter {

// The system's text for an errno value ("No such file or directory"), as every
// log line and error message quotes it.
std::string errno_text(int error);

}  // namespace cos_exporter
