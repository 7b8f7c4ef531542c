#pragma once

#include <prometheus/collectable.h>

#include <initializer_list>
#include <string>

namespace cos_exporter {

// Prometheus text format 0.0.4 of everything the collectables hold, families
// sorted by name. Label values are made valid UTF-8 (sanitize_utf8).
std::string render_exposition(std::initializer_list<prometheus::Collectable const*> sources);

}  // namespace cos_exporter
