#include "byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "cos_exporter/common/errno_text.hpp"

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

// Inflates gzip members one after another with zlib's inflate (not gzread:
// gzread drops what it inflated in a call that meets damaged data, so the
// lines before the damage would not be seen). A stream that ends early
// (gzip is still writing it) reads as EAGAIN, and the next read goes on from
// there once more has been written. Damaged data reads as EILSEQ, after the
// bytes inflated before it were handed over.
class GzipSource final : public ByteSource {
 public:
  GzipSource(int fd, FileIdentity identity) : ByteSource(identity), fd_(fd) {
    ready_ = ::inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
  }
  ~GzipSource() override {
    if (ready_) ::inflateEnd(&stream_);
    ::close(fd_);
  }

  ssize_t read(char* into, std::size_t size) override {
    while (skip_ > 0) {  // a seek forward: inflate up to there first
      static thread_local char scratch[64 * 1024];
      ssize_t n = inflate_into(scratch, std::min<std::uint64_t>(skip_, sizeof scratch));
      if (n <= 0) return n;
      skip_ -= static_cast<std::uint64_t>(n);
    }
    return inflate_into(into, size);
  }
  bool seek(std::uint64_t offset) override {
    if (!ready_) return false;
    if (offset < position_) {
      if (::lseek(fd_, 0, SEEK_SET) < 0 || ::inflateReset(&stream_) != Z_OK) return false;
      stream_.avail_in = 0;
      position_ = 0;
      member_ended_ = false;
      pending_ = 0;
    }
    skip_ = offset - position_;
    return true;
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
    // It inflates as reading does: the bytes before damaged data are there
    // (gzread would drop its whole 16 KiB buffer, and with it the first line).
    std::string out;
    int fd = ::open(("/proc/self/fd/" + std::to_string(fd_)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    auto other = std::make_unique<GzipSource>(fd, identity());
    out.resize(size);
    std::size_t got = 0;
    ssize_t n = 0;
    if (other->seek(offset)) {
      while (got < size && (n = other->read(out.data() + got, size - got)) > 0)
        got += static_cast<std::size_t>(n);
    }
    int error = n < 0 ? errno : 0;
    out.resize(got);
    ends_early_ = error == EAGAIN;
    if (error != 0) error_ = other->error_.empty() ? errno_text(error) : other->error_;
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
  // Up to `size` inflated bytes; what was inflated before an error is
  // returned first, the error (errno) on the next call.
  ssize_t inflate_into(char* into, std::size_t size) {
    if (!ready_) {
      errno = ENOMEM;
      return -1;
    }
    if (pending_ == 0) {
      stream_.next_out = reinterpret_cast<Bytef*>(into);
      stream_.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
      while (stream_.avail_out > 0 && pending_ == 0) {
        bool input = stream_.avail_in > 0 || fill();
        if (member_ended_) {  // another member follows, or padding that ends the file
          if (!input) break;
          if (stream_.next_in[0] != 0x1f) {
            stream_.avail_in = 0;
            ::lseek(fd_, 0, SEEK_END);
            break;
          }
          ::inflateReset(&stream_);
          member_ended_ = false;
        }
        uInt room = stream_.avail_out;
        int ret = ::inflate(&stream_, Z_NO_FLUSH);
        if (ret == Z_STREAM_END) {
          member_ended_ = true;
        } else if (ret != Z_OK && !(ret == Z_BUF_ERROR && stream_.avail_in == 0)) {
          error_ = stream_.msg != nullptr ? stream_.msg : "compressed data error";
          pending_ = EILSEQ;
        }
        // With all the input taken, inflate may still hold what it decoded
        // (a long run from a few bytes): it hands that out until it has none.
        if (!input && stream_.avail_out == room) break;
      }
      auto got = static_cast<std::size_t>(reinterpret_cast<char*>(stream_.next_out) - into);
      position_ += got;
      if (got > 0) return static_cast<ssize_t>(got);
      if (pending_ == 0 && (member_ended_ || read_error_ != 0)) {
        if (read_error_ == 0) return 0;
        errno = std::exchange(read_error_, 0);
        return -1;
      }
      if (pending_ == 0) {  // the stream ends early: not written to its end yet
        error_ = "unexpected end of file";
        errno = EAGAIN;
        return -1;
      }
    }
    errno = pending_;
    return -1;
  }
  // More compressed bytes; false at the end of the file (or on an error).
  bool fill() {
    ssize_t n;
    do n = ::read(fd_, input_, sizeof input_);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
      if (n < 0) read_error_ = errno;
      return false;
    }
    stream_.next_in = input_;
    stream_.avail_in = static_cast<uInt>(n);
    return true;
  }

  int fd_;
  z_stream stream_{};
  bool ready_ = false;
  Bytef input_[64 * 1024];
  std::uint64_t position_ = 0;  // of the inflated content
  std::uint64_t skip_ = 0;      // still to inflate and drop (a seek forward)
  bool member_ended_ = false;   // between two gzip members
  int pending_ = 0;             // errno of damaged data, after what came before it
  int read_error_ = 0;
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
