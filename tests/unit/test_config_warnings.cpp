#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/config/config.hpp"
#include "cos_exporter/config/config_warnings.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
using cos_exporter::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string yaml_error_of(std::string const& yaml) {
  try {
    parse_config(yaml, "c.yaml");
  } catch (ConfigError const& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a YAML syntax error says where to look", "[config]") {
  CHECK(yaml_error_of("limits:\n  max_line_bytes: 100\n max_unknown_codes: 5\n") ==
        "c.yaml:3:2: invalid YAML: end of map not found (hint: check the indentation here and "
        "above: YAML nests by spaces, keys of one mapping start in the same column, and a list "
        "item's `-` sits under its key or further right)");
  CHECK(yaml_error_of("limits:\n\tmax_line_bytes: 100\n") ==
        "c.yaml:2:16: invalid YAML: illegal map value (hint: line 2 is indented with a tab; YAML "
        "indents with spaces only)");
  CHECK(yaml_error_of("groups:\n  g: {codes: [-96\n") ==
        "c.yaml:3:1: invalid YAML: end of sequence flow not found (hint: a [ or { above is not "
        "closed, or a line inside it is indented less than the key it belongs to)");
  // An error in a scalar's content is not about indentation.
  CHECK(yaml_error_of("limits: \"\\q\"\n") ==
        "c.yaml:1:12: invalid YAML: unknown escape character: q");
}

TEST_CASE("environment warnings: a glob with no file, a state_file nobody can write", "[config]") {
  TempDir dir;
  std::string const root = dir.path().string();
  Config config = parse_config("inputs:\n  files:\n    - {name: app, path: '" + root +
                                   "/logs/*.log'}\nstate_file: " + root + "/state/positions.json\n",
                               "c.yaml");
  // The state directory does not exist yet: it is created at the first save.
  CHECK(environment_warnings(config) ==
        std::vector<std::string>{"input app: path \"" + root +
                                 "/logs/*.log\" matches no regular file now; the input reads "
                                 "files as they appear (the glob is checked every second)"});
  fs::create_directories(dir.path() / "logs" / "sub.log");  // a directory is no file
  CHECK(environment_warnings(config).size() == 1);
  std::ofstream(dir.path() / "logs" / "app.log") << "code=-96\n";
  CHECK(environment_warnings(config).empty());

  std::ofstream(dir.path() / "state") << "a file where the directory should be";
  CHECK(environment_warnings(config) ==
        std::vector<std::string>{"state_file \"" + root +
                                 "/state/positions.json\": its directory \"" + root +
                                 "/state\" is not a directory; file positions cannot be "
                                 "saved, so a restart will not resume where reading "
                                 "stopped"});
}
