#include "cos_exporter/common/errno_text.hpp"

#include <cstring>

namespace cos_exporter {

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace cos_exporter
