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

// Opens `path` for reading if it is a regular file of at most `max_bytes`.
// O_NONBLOCK: opening a FIFO for reading would wait for a writer.
std::variant<FileDescriptor, ReadFailure> open_regular(std::string const& path,
                                                       std::size_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return ReadFailure{errno_text(errno)};
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return ReadFailure{errno_text(errno)};
  if (!S_ISREG(info.st_mode)) return ReadFailure{not_regular(info.st_mode)};
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
    return ReadFailure{size_limit(max_bytes)};
  return fd;
}

}  // namespace

std::optional<ReadFailure> regular_file_problem(std::string const& path, std::size_t max_bytes) {
  auto opened = open_regular(path, max_bytes);
  if (auto* failure = std::get_if<ReadFailure>(&opened)) return std::move(*failure);
  return std::nullopt;
}

std::variant<std::string, ReadFailure> read_regular_file(std::string const& path,
                                                         std::size_t max_bytes) {
  auto opened = open_regular(path, max_bytes);
  if (auto* failure = std::get_if<ReadFailure>(&opened)) return std::move(*failure);
  int const fd = std::get<FileDescriptor>(opened).get();
  // The size is not trusted (the file may grow; /proc files say 0): read to
  // the end, but never past the limit.
  std::string content;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ReadFailure{errno_text(errno)};
    if (n == 0) return content;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes)
      return ReadFailure{size_limit(max_bytes)};
    content.append(buffer, static_cast<std::size_t>(n));
  }
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
