#include "paths_provider.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <cerrno>

#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

bool has_glob_magic(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

// What a non-regular match is: {reason label, words for the log}.
std::pair<char const*, char const*> describe(mode_t mode) {
  if (S_ISFIFO(mode)) return {"fifo", "a FIFO"};
  if (S_ISDIR(mode)) return {"directory", "a directory"};
  if (S_ISSOCK(mode)) return {"socket", "a socket"};
  return {"device", "a device"};
}

}  // namespace

PathsProvider::PathsProvider(std::string glob, std::string input, MetricStore& store)
    : glob_(std::move(glob)), input_(std::move(input)), store_(store) {}

std::string PathsProvider::directory_of(std::string const& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void PathsProvider::report(std::string const& path, char const* reason, char const* what) {
  auto [it, inserted] = reported_.try_emplace(path, reason);
  if (!inserted && it->second == reason) return;
  it->second = reason;
  store_.counter(metric::kFileSkippedFamily).series({input_, reason}).add(1);
  log_warn("glob matches something that is not a regular file; not reading it",
           {{"component", "file"},
            {"input", input_},
            {"path", path},
            {"is", what},
            {"action", "skipped; looked at again on every poll"}});
}

std::map<std::string, FoundFile> PathsProvider::files() {
  std::map<std::string, FoundFile> found;
  std::set<std::string> seen;
  glob_t matches{};
  if (::glob(glob_.c_str(), GLOB_NOSORT, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      std::string path = matches.gl_pathv[i];
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        int error = errno;
        struct stat link {};
        if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
          seen.insert(path);
          if (error == ELOOP)
            report(path, "symlink_loop", "a loop of symbolic links");
          else if (error == ENOENT)
            report(path, "dangling_symlink", "a symbolic link to nothing");
        }
        continue;  // gone since the glob saw it
      }
      if (!S_ISREG(st.st_mode)) {
        seen.insert(path);
        auto [reason, what] = describe(st.st_mode);
        report(path, reason, what);
        continue;
      }
      found.emplace(path, FoundFile{{static_cast<std::uint64_t>(st.st_dev),
                                     static_cast<std::uint64_t>(st.st_ino)},
                                    static_cast<std::uint64_t>(st.st_size)});
    }
  }
  ::globfree(&matches);
  std::erase_if(reported_, [&](auto const& entry) { return !seen.contains(entry.first); });
  return found;
}

std::vector<std::string> PathsProvider::directories() const {
  std::string pattern = directory_of(glob_);
  std::vector<std::string> directories;
  if (!has_glob_magic(pattern)) {
    directories.push_back(pattern);
    return directories;
  }
  glob_t matches{};
  if (::glob(pattern.c_str(), GLOB_ONLYDIR | GLOB_NOSORT, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(matches.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode))
        directories.emplace_back(matches.gl_pathv[i]);
    }
  }
  ::globfree(&matches);
  return directories;
}

}  // namespace cos_exporter
