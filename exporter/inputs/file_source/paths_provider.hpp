#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "byte_source.hpp"
#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {

// What a file input's glob matches now. Regular files (reached directly or
// through a symbolic link) are returned; anything else the glob matches (a
// FIFO, a directory, a socket or device, a dangling symbolic link or a loop
// of them) is logged once with what it is, counted in
// cos_error_exporter_file_skipped_total{reason}, and looked at again on
// every pass (it is reported again if it comes back after going away).
struct FoundFile {
  FileIdentity identity;
  std::uint64_t size = 0;
};

class PathsProvider {
 public:
  PathsProvider(std::string glob, std::string input, MetricStore& store);

  // The input's name, for logs and the skipped counter.
  void set_input(std::string input) { input_ = std::move(input); }
  // Regular files by path.
  std::map<std::string, FoundFile> files();
  // Directories the glob's files can be in, existing now (for watches).
  std::vector<std::string> directories() const;
  // The directory part of a path ("." when none).
  static std::string directory_of(std::string const& path);

 private:
  void report(std::string const& path, char const* reason, char const* what);

  std::string glob_;
  std::string input_;
  MetricStore& store_;
  std::map<std::string, std::string> reported_;  // path -> reason, while it lasts
};

}  // namespace cos_exporter
