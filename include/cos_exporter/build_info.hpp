#pragma once

#include <string_view>

namespace cos_exporter {

// Filled in by CMake at configure time (cmake/build_info.cpp.in).
std::string_view build_version();
std::string_view build_revision();

}  // namespace cos_exporter
