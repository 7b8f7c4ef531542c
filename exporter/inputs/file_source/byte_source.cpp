#include "byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <string>

namespace cos_exporter {
namespace {

class TextSource final : public ByteSource {
 public:
  TextSource(int fd, FileIdentity identity) : ByteSource(identity), fd_(fd) {}
  ~TextSource() override { ::close(fd_); }

  ssize_t read(char* into, std::size_t size) override { return ::read(fd_, into, size); }
  bool seek(std::uint64_t offset) override {
    return ::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) >= 0;
  }
  std::optional<std::uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(st.st_size);
  }
  std::uint64_t stored_size() override { return size().value_or(0); }
  std::string head() override { return bytes_at(0, kFingerprintBytes); }
  std::string bytes_at(std::uint64_t offset, std::size_t size) override {
    std::string out(size, '\0');
    ssize_t n = ::pread(fd_, out.data(), size, static_cast<off_t>(offset));
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
  }
  FileKind kind() const override { return FileKind::text; }

 private:
  int fd_;
};

// zlib's gz* functions read gzip members one after another; a stream that
// ends early (gzip is still writing it) reads as EAGAIN, and gzclearerr lets
// the next read go on from there once more has been written.
class GzipSource final : public ByteSource {
 public:
  GzipSource(int fd, FileIdentity identity) : ByteSource(identity), fd_(fd) {
    file_ = ::gzdopen(::dup(fd_), "rb");
  }
  ~GzipSource() override {
    if (file_ != nullptr) ::gzclose(file_);
    ::close(fd_);
  }

  ssize_t read(char* into, std::size_t size) override {
    if (file_ == nullptr) {
      errno = ENOMEM;
      return -1;
    }
    int n = ::gzread(file_, into, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)));
    if (n > 0) return n;
    int code = Z_OK;
    char const* message = ::gzerror(file_, &code);
    if (code == Z_OK || (n == 0 && ::gzeof(file_) && code != Z_BUF_ERROR)) return 0;
    error_ = message != nullptr ? message : "";
    ::gzclearerr(file_);
    if (code == Z_BUF_ERROR) {
      errno = EAGAIN;  // truncated stream: not written to its end yet
      return -1;
    }
    errno = EILSEQ;  // corrupt data
    return -1;
  }
  bool seek(std::uint64_t offset) override {
    if (file_ == nullptr) return false;
    ::gzclearerr(file_);
    return ::gzseek(file_, static_cast<z_off_t>(offset), SEEK_SET) == static_cast<z_off_t>(offset);
  }
  std::optional<std::uint64_t> size() override { return std::nullopt; }
  std::optional<std::uint64_t> size_hint() override {
    struct stat st {};
    unsigned char trailer[4];
    if (::fstat(fd_, &st) != 0 || st.st_size < 18 || ::pread(fd_, trailer, 4, st.st_size - 4) != 4)
      return std::nullopt;
    return std::uint64_t{trailer[0]} | std::uint64_t{trailer[1]} << 8 |
           std::uint64_t{trailer[2]} << 16 | std::uint64_t{trailer[3]} << 24;
  }
  std::string head() override { return bytes_at(0, kFingerprintBytes); }
  std::string bytes_at(std::uint64_t offset, std::size_t size) override {
    // A second stream on a file description of its own (a dup would share
    // the reading position), so that the reading position stays where it is.
    std::string out;
    int fd = ::open(("/proc/self/fd/" + std::to_string(fd_)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    gzFile other = ::gzdopen(fd, "rb");
    if (other == nullptr) {
      ::close(fd);
      return out;
    }
    if (::gzseek(other, static_cast<z_off_t>(offset), SEEK_SET) == static_cast<z_off_t>(offset)) {
      out.resize(size);
      int n = ::gzread(other, out.data(), static_cast<unsigned>(size));
      out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    int code = Z_OK;
    char const* message = ::gzerror(other, &code);
    ends_early_ = code == Z_BUF_ERROR;
    if (code != Z_OK && message != nullptr) error_ = message;
    ::gzclose(other);
    return out;
  }
  FileKind kind() const override { return FileKind::gzip; }
  bool ends_early() const override { return ends_early_; }
  std::string error_text() const override { return error_; }
  std::uint64_t stored_size() override {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }

 private:
  int fd_;
  gzFile file_ = nullptr;
  bool ends_early_ = false;
  std::string error_;
};

}  // namespace

std::variant<std::unique_ptr<ByteSource>, OpenFailure> open_byte_source(std::string const& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return OpenFailure{errno};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int const error = S_ISREG(st.st_mode) ? errno : EINVAL;
    ::close(fd);
    return OpenFailure{error};
  }
  FileIdentity const identity{static_cast<std::uint64_t>(st.st_dev),
                              static_cast<std::uint64_t>(st.st_ino)};
  char head[16];
  ssize_t n = ::pread(fd, head, sizeof head, 0);
  auto kind = file_kind_of(std::string_view(head, n > 0 ? static_cast<std::size_t>(n) : 0));
  // Too short to tell: text until it says otherwise (it has no line to read yet).
  if (!kind || kind == FileKind::text) return std::make_unique<TextSource>(fd, identity);
  if (kind == FileKind::gzip) return std::make_unique<GzipSource>(fd, identity);
  ::close(fd);
  return OpenFailure{0, *kind};
}

}  // namespace cos_exporter
