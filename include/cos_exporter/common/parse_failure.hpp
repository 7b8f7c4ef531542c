#pragma once

#include <string>

namespace cos_exporter {

// Why a text is not the document it should be ("not JSON or truncated: ...",
// "no families array").
struct ParseFailure {
  std::string reason;
};

}  // namespace cos_exporter
