// Any bytes as the exporter's YAML config (--config.file): either a Config or
// one ConfigError of one line; never another exception, a crash or a hang.
// A config that loads must also build: its classifier (catalog.extra and
// groups) and a line parser for each input.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/config/config.hpp"
#include "cos_exporter/parsing/line_parser.hpp"
#include "fuzz_support.hpp"

using namespace cos_exporter;

namespace {

void build_parsers(std::vector<InputConfig> const& inputs, std::uint32_t max_line_bytes) {
  for (auto const& input : inputs) {
    InputSettings const& settings = input_settings(input);
    LineParser parser(settings.format, settings.regex, max_line_bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view text(reinterpret_cast<char const*>(data), size);
  Config config;
  try {
    config = parse_config(text, "fuzz.yaml");
  } catch (ConfigError const& error) {
    fuzz::require_one_line(error);
    return 0;
  }
  // As make_classifier builds it, with the built-in catalog parsed once rather
  // than per input (it dominated the time per input); a catalog.file would be
  // read from disk, and the catalog target covers that parser.
  static Catalog const builtin = Catalog::builtin();
  Catalog catalog = builtin;
  for (auto const& entry : config.catalog_extra) catalog.add_or_replace(entry);
  Classifier classifier(std::move(catalog), GroupMatcher(config.groups));
  build_parsers(config.inputs, config.limits.max_line_bytes);
  return 0;
}
