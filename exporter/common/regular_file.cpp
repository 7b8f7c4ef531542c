#include "cos_exporter/common/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "cos_exporter/common/errno_text.hpp"

namespace cos_exporter {
namespace {

std::string not_regular(mode_t mode) {
  char const* kind = S_ISDIR(mode)    ? "a directory"
                     : S_ISFIFO(mode) ? "a FIFO"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                     : S_ISSOCK(mode) ? "a socket"
                                      : "not a file";
  return std::string("it is ") + kind + ", not a regular file";
}

std::string size_limit(std::size_t max_bytes) {
  if (max_bytes % (1024 * 1024) == 0)
    return "larger than the " + std::to_string(max_bytes / (1024 * 1024)) + " MiB limit";
  return "larger than the " + std::to_string(max_bytes) + " byte limit";
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor(FileDescriptor const&) = delete;
  FileDescriptor& operator=(FileDescriptor const&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens `path` for reading if it is a regular file of at most `max_bytes`;
// otherwise `error` says why.
// O_NONBLOCK: opening a FIFO for reading would wait for a writer.
FileDescriptor open_regular(std::string const& path, std::size_t max_bytes, std::string& error) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    error = errno_text(errno);
    return fd;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    error = errno_text(errno);
  else if (!S_ISREG(info.st_mode))
    error = not_regular(info.st_mode);
  else if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
    error = size_limit(max_bytes);
  return fd;
}

}  // namespace

std::string regular_file_problem(std::string const& path, std::size_t max_bytes) {
  std::string error;
  open_regular(path, max_bytes, error);
  return error;
}

bool read_regular_file(std::string const& path, std::string& content, std::string& error,
                       std::size_t max_bytes) {
  content.clear();
  error.clear();
  FileDescriptor fd = open_regular(path, max_bytes, error);
  if (!error.empty()) return false;
  // The size is not trusted (the file may grow; /proc files say 0): read to
  // the end, but never past the limit.
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno_text(errno);
      break;
    }
    if (n == 0) return true;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      error = size_limit(max_bytes);
      break;
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  content.clear();
  return false;
}

char const* file_type_name(std::filesystem::file_type type) {
  switch (type) {
    case std::filesystem::file_type::directory:
      return "a directory";
    case std::filesystem::file_type::fifo:
      return "a FIFO";
    case std::filesystem::file_type::socket:
      return "a socket";
    case std::filesystem::file_type::block:
    case std::filesystem::file_type::character:
      return "a device";
    default:
      return "not a regular file";
  }
}

}  // namespace cos_exporter
