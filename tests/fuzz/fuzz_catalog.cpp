// Any bytes as a catalog file (catalog.file): either a Catalog or one
// ConfigError of one line; never another exception, a crash or a hang. A
// catalog that loads answers a lookup for each of its codes.
#include <cstdint>
#include <string_view>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/common/config_error.hpp"
#include "fuzz_support.hpp"

using namespace cos_exporter;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view text(reinterpret_cast<char const*>(data), size);
  try {
    Catalog catalog = Catalog::parse(text, "fuzz-catalog.yaml");
    for (auto const& entry : catalog.entries())
      fuzz::require(!catalog.find(entry.code).empty(), "each entry's code is found");
  } catch (ConfigError const& error) {
    fuzz::require_one_line(error);
  }
  return 0;
}
