#include "cos_exporter/config/config_warnings.hpp"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "cos_exporter/common/errno_text.hpp"

namespace cos_exporter {
namespace {

namespace fs = std::filesystem;

std::size_t regular_files_matching(std::string const& pattern) {
  glob_t matches{};
  std::size_t regular = 0;
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(matches.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) ++regular;
    }
  }
  ::globfree(&matches);
  return regular;
}

// Why the state file's directory cannot be written, or empty when it can. A
// directory that does not exist yet is created at the first save, so then
// the question is whether its nearest existing ancestor can be written.
std::string state_directory_problem(std::string const& state_file) {
  fs::path directory = fs::path(state_file).parent_path();
  if (directory.empty()) directory = ".";
  fs::path existing = directory;
  std::error_code ec;
  while (!fs::exists(existing, ec)) {
    fs::path parent = existing.parent_path();
    if (parent.empty()) parent = ".";
    if (parent == existing) break;
    existing = parent;
  }
  std::string const what = existing == directory
                               ? "its directory \"" + directory.string() + "\""
                               : "its directory \"" + directory.string() +
                                     "\" does not exist and \"" + existing.string() + "\"";
  if (!fs::is_directory(existing, ec)) return what + " is not a directory";
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    return what + " cannot be written (" + errno_text(errno) + ")";
  return {};
}

}  // namespace

std::vector<std::string> environment_warnings(Config const& config) {
  std::vector<std::string> warnings;
  for (InputConfig const& config_input : config.inputs) {
    auto const* input = std::get_if<FileInputConfig>(&config_input);
    if (input && regular_files_matching(input->path) == 0)
      warnings.push_back("input " + input->name + ": path \"" + input->path +
                         "\" matches no regular file now; the input reads files as they "
                         "appear (the glob is checked every second)");
  }
  if (config.state_file) {
    std::string problem = state_directory_problem(*config.state_file);
    if (!problem.empty())
      warnings.push_back("state_file \"" + *config.state_file + "\": " + problem +
                         "; file positions cannot be saved, so a restart will not resume "
                         "where reading stopped");
  }
  return warnings;
}

}  // namespace cos_exporter
