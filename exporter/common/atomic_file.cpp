#include "cos_exporter/common/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace cos_exporter {
namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<AtomicWriteFailure> write_file_atomically(std::string const& path,
                                                        std::string_view contents) {
  namespace fs = std::filesystem;
  fs::path directory = fs::path(path).parent_path();
  if (directory.empty()) directory = ".";
  std::error_code ignored;
  fs::create_directories(directory, ignored);  // best effort; open() reports what matters
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return AtomicWriteFailure{"open", errno};
  if (!write_all(fd, contents) || ::fsync(fd) != 0) {
    int error = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return AtomicWriteFailure{"write", error};
  }
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(tmp.c_str());
    return AtomicWriteFailure{"close", error};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(tmp.c_str());
    return AtomicWriteFailure{"rename", error};
  }
  int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // makes the rename durable; failure leaves a valid file
    ::close(dir_fd);
  }
  return std::nullopt;
}

}  // namespace cos_exporter
