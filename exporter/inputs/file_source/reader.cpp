#include "reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace cos_exporter {
namespace {

constexpr std::size_t kReadChunk = 128 * 1024;
// What a line costs against a read's budget, in bytes: handing a line on
// (parse, count) costs about as much as reading this many bytes, so a file of
// short (or empty) lines is read in smaller slices than one of long lines.
constexpr std::uint64_t kLineCost = 64;
constexpr std::size_t kMinRead = 4096;

}  // namespace

FileReader::FileReader(std::unique_ptr<ByteSource> source, std::size_t max_line_bytes)
    : source_(std::move(source)), max_line_bytes_(max_line_bytes) {
  refresh_size();
}

std::unique_ptr<FileReader> FileReader::open(std::string const& path, std::size_t max_line_bytes) {
  auto opened = open_byte_source(path);
  auto* source = std::get_if<std::unique_ptr<ByteSource>>(&opened);
  if (source == nullptr) return nullptr;
  return std::make_unique<FileReader>(std::move(*source), max_line_bytes);
}

void FileReader::refresh_size() {
  if (auto size = source_->size()) size_ = *size;
}

void FileReader::reset_to(std::uint64_t offset) {
  source_->seek(offset);
  offset_ = committed_ = offset;
  partial_.clear();
  tail_.clear();
  skipping_ = false;
}

void FileReader::seek(std::uint64_t offset) {
  std::size_t before = static_cast<std::size_t>(std::min<std::uint64_t>(offset, kTailBytes));
  std::string tail = before > 0 ? source_->bytes_at(offset - before, before) : std::string();
  reset_to(offset);
  tail_ = std::move(tail);
  if (!tail_.empty() && tail_.back() != '\n') skipping_ = true;
}

void FileReader::seek_to_end() {
  refresh_size();
  seek(size_);
}

std::optional<Fingerprint> const& FileReader::fingerprint() {
  if (fingerprint_) return fingerprint_;
  std::string head = source_->head();
  // Opened as text while too short to tell (gzip had just created it): if
  // its first bytes now say it is compressed, it is no text file to follow.
  if (kind() == FileKind::text && file_kind_of(head) != FileKind::text) return fingerprint_;
  fingerprint_ = fingerprint_of(head);
  return fingerprint_;
}

FileReader::Resume FileReader::resume(FilePosition const& saved) {
  bool same_file = saved.device == identity().device && saved.inode == identity().inode;
  std::size_t before = saved.tail_bytes;
  if (before == 0 && saved.offset > 0) {
    // Saved without the bytes before the offset: only the same inode is trusted.
    if (!same_file) return Resume::other;
    before = 1;
  }
  std::string bytes = before > 0 ? source_->bytes_at(saved.offset - before, before) : "";
  if (bytes.size() < before) {  // shorter than the saved offset
    if (source_->ends_early()) return Resume::incomplete;
    if (same_file) {
      reset_to(0);
      return Resume::truncated;
    }
    // A copy made before the reading got this far: all of it was read.
    exhausted_ = true;
    if (kind() == FileKind::text) seek_to_end();
    return Resume::already_read;
  }
  if (saved.tail_bytes > 0 && fingerprint_hash(bytes) != saved.tail) {
    if (!same_file) return Resume::other;
    reset_to(0);  // rewritten in place
    return Resume::truncated;
  }
  if (kind() != FileKind::text && source_->bytes_at(saved.offset, 1).empty()) {
    if (source_->ends_early()) return Resume::incomplete;
    exhausted_ = true;  // a compressed copy of what was read to its end
    return Resume::already_read;
  }
  seek(saved.offset);
  return Resume::resumed;
}

bool FileReader::copied_in(FileReader& copy) {
  copy.refresh_size();
  if (committed_ > 0 && copy.size_ >= committed_)
    return copy.source_->bytes_at(committed_ - tail_.size(), tail_.size()) == tail_;
  std::uint64_t end = std::min(copy.size_, size_);
  std::size_t before = static_cast<std::size_t>(std::min<std::uint64_t>(end, kTailBytes));
  if (before == 0) return true;
  std::string theirs = copy.source_->bytes_at(end - before, before);
  return theirs.size() == before && theirs == source_->bytes_at(end - before, before);
}

void FileReader::keep_tail(char const* data, std::size_t length) {
  if (length >= kTailBytes) {
    tail_.assign(data + length - kTailBytes, kTailBytes);
    return;
  }
  tail_.append(data, length);
  if (tail_.size() > kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
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
  // data[0] is always at committed_: the partial line, then what is read.
  std::size_t length = partial_.size();
  std::memcpy(data, partial_.data(), length);

  ReadResult result;
  if (exhausted_ && kind() != FileKind::text) return result;
  bool size_known = false;
  auto spent = [&] { return result.bytes + result.lines * kLineCost; };
  while (spent() < budget) {
    // No more than the budget left, at the lines per byte of the last read:
    // a slice stays a slice after inflating too, and for short lines.
    std::uint64_t left = budget - spent();
    if (last_bytes_ > 0) left = left * last_bytes_ / (last_bytes_ + last_lines_ * kLineCost);
    std::size_t want =
        std::min<std::size_t>(capacity - length, std::max<std::uint64_t>(left, kMinRead));
    std::uint64_t lines_before = result.lines;
    ssize_t n = source_->read(data + length, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (kind() != FileKind::text && (errno == EILSEQ || (errno == EAGAIN && stalled()))) {
        damage_ =
            Damage{errno == EILSEQ ? "damaged_gzip" : "truncated_gzip", source_->error_text()};
        result.status = Status::damaged;
      } else if (errno != EAGAIN) {
        result.status = Status::error;
        result.error = errno;
      }
      break;
    }
    stalled_since_.reset();
    if (n == 0) {
      if (auto size = source_->size()) {
        size_ = *size;
        size_known = true;
        if (size_ < offset_) {  // copytruncate: what is there now starts at 0
          ++result.truncations;
          truncated_ = position(std::string());
          fingerprint_.reset();
          reset_to(0);
          length = 0;
          continue;
        }
      } else {
        size_ = offset_;
        size_known = true;
      }
      break;
    }
    auto got = static_cast<std::size_t>(n);
    last_bytes_ = got;
    offset_ += got;
    result.bytes += got;
    std::size_t end = length + got;
    // Known from the bytes read, not read again later: by then a
    // copytruncate may have replaced them.
    if (!fingerprint_ && offset_ == end)
      fingerprint_ = fingerprint_of(std::string_view(data, std::min(end, kFingerprintBytes)));
    std::size_t line_start = 0;
    std::size_t scan = length;  // the partial line before has no '\n'
    if (skipping_) {
      auto* newline = static_cast<char*>(std::memchr(data, '\n', end));
      if (newline == nullptr) {
        keep_tail(data, end);
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
    last_lines_ = result.lines - lines_before;
    std::size_t rest = end - line_start;
    if (rest > max_line_bytes_ + 1) {  // too long whatever follows: count it, skip to its end
      ++result.lines;
      sink.too_long();
      skipping_ = true;
      keep_tail(data, end);
      length = 0;
      committed_ = offset_;
    } else {
      keep_tail(data, line_start);
      if (rest > 0 && line_start > 0) std::memmove(data, data + line_start, rest);
      length = rest;
      committed_ = offset_ - rest;
    }
  }
  partial_.assign(data, length);
  if (!size_known) refresh_size();
  if (result.status != Status::error && result.status != Status::damaged)
    result.status = spent() >= budget ? Status::more : Status::eof;
  return result;
}

std::uint64_t FileReader::flush_partial(LineSink& sink) {
  if (skipping_ || partial_.empty()) return 0;
  std::uint64_t lines = 0;
  emit(partial_, sink, lines);
  keep_tail(partial_.data(), partial_.size());
  partial_.clear();
  committed_ = offset_;
  return lines;
}

FilePosition FileReader::position(std::string const& path) {
  FilePosition position;
  position.path = path;
  position.device = identity().device;
  position.inode = identity().inode;
  position.offset = committed_;
  if (auto const& fp = fingerprint()) {
    position.fingerprint_bytes = fp->bytes;
    position.fingerprint = fp->hash;
  }
  position.tail_bytes = static_cast<std::uint32_t>(tail_.size());
  position.tail = fingerprint_hash(tail_);
  return position;
}

std::optional<FilePosition> FileReader::take_truncated_position() {
  return std::exchange(truncated_, std::nullopt);
}

void FileReader::note_path(std::string const& path) {
  if (!paths_.empty() && paths_.back() == path) return;
  // The first path (where a rotated file was written) and the latest ones.
  if (paths_.size() >= 16) paths_.erase(paths_.begin() + 1);
  paths_.push_back(path);
}

bool FileReader::was_at(std::string_view path) const {
  return std::find(paths_.begin(), paths_.end(), path) != paths_.end();
}

bool FileReader::stalled() {
  // A stream that ends early while its file grows is being written; one that
  // has not grown for the stall limit was cut.
  auto now = std::chrono::steady_clock::now();
  std::uint64_t size = source_->stored_size();
  if (!stalled_since_ || size != stalled_size_) {
    stalled_since_ = now;
    stalled_size_ = size;
    return false;
  }
  return now - *stalled_since_ >= stall_limit_;
}

bool FileReader::damaged_head() {
  if (kind() == FileKind::text) return false;
  source_->head();
  std::string error = source_->error_text();
  if (error.empty() || source_->ends_early()) return false;
  damage_ = Damage{"damaged_gzip", error};
  return true;
}

bool FileReader::shrunk() {
  if (kind() != FileKind::text) return false;
  auto size = source_->size();
  return size && *size < offset_;
}

}  // namespace cos_exporter
