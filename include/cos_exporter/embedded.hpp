#pragma once

#include <string_view>

// Data files compiled into the binary (see cmake/embed.cmake).
namespace cos_exporter::embedded {

std::string_view builtin_catalog_yaml();          // config/catalog.yaml
std::string_view builtin_config_yaml();           // config/exporter.yaml
std::string_view builtin_exporter_alerts_yaml();  // config/exporter_alerts.yaml

}  // namespace cos_exporter::embedded
