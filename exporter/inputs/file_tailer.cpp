#include "cos_exporter/inputs/file_tailer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

constexpr std::size_t kReadChunk = 128 * 1024;

}  // namespace

FileCells FileCells::create(MetricStore& store, std::string const& path) {
  std::vector<std::string> labels{path};
  FileCells cells;
  cells.lines = &store.counter(metric::kFileLinesFamily).series(labels);
  cells.rotations = &store.counter(metric::kFileRotationsFamily).series(labels);
  cells.truncations = &store.counter(metric::kFileTruncationsFamily).series(labels);
  cells.offset = &store.gauge(metric::kFileOffsetFamily).series(labels);
  cells.size = &store.gauge(metric::kFileSizeFamily).series(labels);
  return cells;
}

// ---------------------------------------------------------------- FileReader

std::unique_ptr<FileReader> FileReader::open(std::string const& path, std::size_t max_line_bytes,
                                             int& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = errno;
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = S_ISREG(st.st_mode) ? errno : EINVAL;
    ::close(fd);
    return nullptr;
  }
  FileIdentity identity{static_cast<std::uint64_t>(st.st_dev),
                        static_cast<std::uint64_t>(st.st_ino)};
  return std::unique_ptr<FileReader>(
      new FileReader(fd, identity, static_cast<std::uint64_t>(st.st_size), max_line_bytes));
}

FileReader::FileReader(int fd, FileIdentity identity, std::uint64_t size,
                       std::size_t max_line_bytes)
    : fd_(fd), identity_(identity), size_(size), max_line_bytes_(max_line_bytes) {}

FileReader::~FileReader() {
  ::close(fd_);
}

void FileReader::reset_to(std::uint64_t offset) {
  ::lseek(fd_, static_cast<off_t>(offset), SEEK_SET);
  offset_ = committed_ = offset;
  partial_.clear();
  skipping_ = false;
}

void FileReader::seek(std::uint64_t offset) {
  reset_to(offset);
  if (offset > 0) {
    char before = '\n';
    if (::pread(fd_, &before, 1, static_cast<off_t>(offset - 1)) == 1 && before != '\n')
      skipping_ = true;
  }
}

void FileReader::seek_to_end() {
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  seek(size_);
}

bool FileReader::matches(FilePosition const& saved) const {
  if (saved.device != identity_.device || saved.inode != identity_.inode) return false;
  if (saved.fingerprint_bytes == 0) return true;
  char head[kFingerprintBytes];
  std::size_t want = std::min<std::size_t>(saved.fingerprint_bytes, sizeof head);
  ssize_t n = ::pread(fd_, head, want, 0);
  return n == static_cast<ssize_t>(want) &&
         fingerprint_hash(std::string_view(head, want)) == saved.fingerprint;
}

FileReader::Resume FileReader::resume(FilePosition const& saved) {
  if (!matches(saved)) {
    seek(0);
    return Resume::replaced;
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  if (size_ < saved.offset) {
    seek(0);
    return Resume::truncated;
  }
  seek(saved.offset);
  return Resume::resumed;
}

void FileReader::emit(std::string_view line, LineSink& sink, std::uint64_t& lines) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++lines;
  if (line.size() > max_line_bytes_)
    sink.too_long();
  else
    sink.line(line);
}

FileReader::ReadResult FileReader::read(LineSink& sink, std::size_t budget) {
  // A partial line of up to max_line_bytes + 1 (a trailing '\r') is kept, and
  // a whole chunk always fits after it.
  static thread_local std::vector<char> buffer;
  std::size_t const capacity = max_line_bytes_ + 2 + kReadChunk;
  if (buffer.size() < capacity) buffer.resize(capacity);
  char* data = buffer.data();
  std::size_t length = partial_.size();  // bytes of a partial line at the front
  std::memcpy(data, partial_.data(), length);

  ReadResult result;
  bool stat_done = false;
  while (result.bytes < budget) {
    ssize_t n = ::read(fd_, data + length, capacity - length);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        result.status = Status::error;
        result.error = errno;
      }
      break;
    }
    if (n == 0) {
      struct stat st {};
      if (::fstat(fd_, &st) == 0) {
        size_ = static_cast<std::uint64_t>(st.st_size);
        stat_done = true;
        if (size_ < offset_) {  // copytruncate: what is there now starts at 0
          ++result.truncations;
          reset_to(0);
          length = 0;
          continue;
        }
      }
      break;
    }
    auto got = static_cast<std::size_t>(n);
    offset_ += got;
    result.bytes += got;
    std::size_t end = length + got;
    std::size_t line_start = 0;
    std::size_t scan = length;  // the partial line before has no '\n'
    if (skipping_) {
      auto* newline = static_cast<char*>(std::memchr(data, '\n', end));
      if (newline == nullptr) {
        length = 0;
        committed_ = offset_;
        continue;
      }
      skipping_ = false;
      line_start = scan = static_cast<std::size_t>(newline - data) + 1;
    }
    while (scan < end) {
      auto* newline = static_cast<char*>(std::memchr(data + scan, '\n', end - scan));
      if (newline == nullptr) break;
      auto at = static_cast<std::size_t>(newline - data);
      emit(std::string_view(data + line_start, at - line_start), sink, result.lines);
      line_start = scan = at + 1;
    }
    std::size_t rest = end - line_start;
    if (rest > max_line_bytes_ + 1) {  // too long whatever follows: count it, skip to its end
      ++result.lines;
      sink.too_long();
      skipping_ = true;
      length = 0;
      committed_ = offset_;
    } else {
      if (rest > 0 && line_start > 0) std::memmove(data, data + line_start, rest);
      length = rest;
      committed_ = offset_ - rest;
    }
  }
  partial_.assign(data, length);
  if (!stat_done) {
    struct stat st {};
    if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  }
  if (result.status != Status::error)
    result.status = result.bytes >= budget ? Status::more : Status::eof;
  return result;
}

std::uint64_t FileReader::flush_partial(LineSink& sink) {
  if (skipping_ || partial_.empty()) return 0;
  std::uint64_t lines = 0;
  emit(partial_, sink, lines);
  partial_.clear();
  committed_ = offset_;
  return lines;
}

FilePosition FileReader::position(std::string const& path) const {
  FilePosition position;
  position.path = path;
  position.device = identity_.device;
  position.inode = identity_.inode;
  position.offset = committed_;
  char head[kFingerprintBytes];
  ssize_t n = ::pread(fd_, head, sizeof head, 0);
  if (n > 0) {
    position.fingerprint_bytes = static_cast<std::uint32_t>(n);
    position.fingerprint = fingerprint_hash(std::string_view(head, static_cast<std::size_t>(n)));
  }
  return position;
}

// ---------------------------------------------------------------- FileTailer

FileTailer::FileTailer(std::string path, FileCells cells, std::size_t max_line_bytes)
    : path_(std::move(path)), cells_(cells), max_line_bytes_(max_line_bytes) {}

void FileTailer::set_start(Start start, std::optional<FilePosition> saved, bool replaced) {
  start_ = start;
  saved_ = std::move(saved);
  replaced_ = replaced;
}

FileTailer::OpenResult FileTailer::open(std::string_view input) {
  int error = 0;
  auto reader = FileReader::open(path_, max_line_bytes_, error);
  if (!reader) {
    if (error == ENOENT || error == ENOTDIR) return OpenResult::missing;
    if (error != logged_error_) {
      logged_error_ = error;
      log_warn("cannot open file; retrying", {{"component", "file"},
                                              {"input", std::string(input)},
                                              {"path", path_},
                                              {"error", errno_text(error)}});
    }
    return OpenResult::unreadable;
  }
  if (logged_error_ != 0) {
    logged_error_ = 0;
    log_info("file can be read now",
             {{"component", "file"}, {"input", std::string(input)}, {"path", path_}});
  }
  char const* how = "beginning";
  if (followed_) {
    cells_.rotations->add(1);  // re-created (or renamed into place) while followed
  } else if (start_ == Start::resume && saved_) {
    switch (reader->resume(*saved_)) {
      case FileReader::Resume::resumed:
        how = "saved position";
        break;
      case FileReader::Resume::truncated:
        how = "beginning (truncated while stopped)";
        cells_.truncations->add(1);
        break;
      case FileReader::Resume::replaced:
        how = "beginning (replaced while stopped)";
        cells_.rotations->add(1);
        break;
    }
  } else if (start_ == Start::end) {
    reader->seek_to_end();
    how = "end";
  } else if (replaced_) {
    how = "beginning (replaced while stopped)";
    cells_.rotations->add(1);
  }
  saved_.reset();
  followed_ = true;
  reader_ = std::move(reader);
  cells_.offset->set(static_cast<double>(reader_->committed_offset()));
  cells_.size->set(static_cast<double>(reader_->size()));
  log_info("following file", {{"component", "file"},
                              {"input", std::string(input)},
                              {"path", path_},
                              {"from", how},
                              {"offset", std::to_string(reader_->committed_offset())}});
  return OpenResult::opened;
}

void FileTailer::adopt(std::unique_ptr<FileReader> reader) {
  if (followed_) cells_.rotations->add(1);
  followed_ = true;
  saved_.reset();
  reader_ = std::move(reader);
  cells_.offset->set(static_cast<double>(reader_->committed_offset()));
  cells_.size->set(static_cast<double>(reader_->size()));
}

std::unique_ptr<FileReader> FileTailer::release() {
  return std::move(reader_);
}

bool FileTailer::read(LineSink& sink, std::size_t budget, std::string_view input) {
  if (!reader_) return false;
  auto result = reader_->read(sink, budget);
  cells_.lines->add(result.lines);
  if (result.truncations > 0) {
    cells_.truncations->add(result.truncations);
    log_info("file truncated; reading it from the start",
             {{"component", "file"}, {"input", std::string(input)}, {"path", path_}});
  }
  if (result.status == FileReader::Status::error) {
    if (!logged_read_error_) {
      logged_read_error_ = true;
      log_warn("cannot read file; retrying", {{"component", "file"},
                                              {"input", std::string(input)},
                                              {"path", path_},
                                              {"error", errno_text(result.error)}});
    }
  } else {
    logged_read_error_ = false;
  }
  cells_.offset->set(static_cast<double>(reader_->committed_offset()));
  cells_.size->set(static_cast<double>(std::max(reader_->size(), reader_->read_offset())));
  return result.status == FileReader::Status::more;
}

}  // namespace cos_exporter
