// Any bytes as the --web.config.file: either a WebConfig or one ConfigError
// of one line; never another exception, a crash or a hang. Relative
// certificate paths resolve against a directory that does not exist, so
// inline PEM (cert, key, client_ca) is what reaches OpenSSL.
#include <cstdint>
#include <string>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "fuzz_support.hpp"

using namespace cos_exporter;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string text(reinterpret_cast<char const*>(data), size);
  try {
    WebConfig config = parse_web_config(text, "/nonexistent-fuzz-dir/web.yml");
    // A valid TLS section comes with the context it describes, built once.
    if (config.tls && !config.tls_context) __builtin_trap();
  } catch (ConfigError const& error) {
    fuzz::require_one_line(error);
  }
  return 0;
}
