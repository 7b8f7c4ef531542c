// Any bytes as a file a glob finds (a gzip file, damaged or cut short, or
// text), written in two pieces and read with FileReader at random budgets, its
// head and bytes at random offsets asked for as resuming does: never a crash,
// no line longer than max_line_bytes or holding a '\n', and, for a gzip file,
// exactly the complete lines zlib inflates before the damage or the cut are
// handed on (the partial line there is not), once.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "inputs/file_source/file_kind.hpp"
#include "inputs/file_source/reader.hpp"

using namespace cos_exporter;

namespace {

class CheckingSink : public LineSink {
 public:
  explicit CheckingSink(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}
  void line(std::string_view line) noexcept override {
    fuzz::require(line.size() <= max_line_bytes_, "a line handed on fits max_line_bytes");
    fuzz::require(line.find('\n') == std::string_view::npos, "a line holds no newline");
    ++lines;
  }
  void too_long() noexcept override { ++lines; }
  std::uint64_t lines = 0;

 private:
  std::size_t max_line_bytes_;
};

struct Lines {
  std::uint64_t newlines = 0;
  std::uint64_t tail = 0;  // bytes after the last newline
};

// Complete lines in `content`: each one's newline, and the partial line
// after the last (a line found too long is handed on before its newline).
Lines lines_of(char const* content, std::size_t size, Lines lines = {}) {
  for (std::size_t i = 0; i < size; ++i) {
    if (content[i] == '\n') {
      ++lines.newlines;
      lines.tail = 0;
    } else {
      ++lines.tail;
    }
  }
  return lines;
}

// What zlib's inflate gives of `file` before an error or the end of its
// input: gzip members one after another, as long as the next one starts with
// the magic byte (anything else after a member ends the file).
Lines lines_inflated(std::string const& file) {
  z_stream stream{};
  fuzz::require(::inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK, "inflateInit2");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(file.data()));
  stream.avail_in = static_cast<uInt>(file.size());
  Lines lines;
  char out[16384];
  for (;;) {
    stream.next_out = reinterpret_cast<Bytef*>(out);
    stream.avail_out = sizeof out;
    int ret = ::inflate(&stream, Z_NO_FLUSH);
    auto got = sizeof out - stream.avail_out;
    lines = lines_of(out, got, lines);
    if (ret == Z_STREAM_END) {
      if (stream.avail_in == 0 || stream.next_in[0] != 0x1f) break;
      ::inflateReset(&stream);
      continue;
    }
    if (ret != Z_OK || (got == 0 && stream.avail_in == 0)) break;
  }
  ::inflateEnd(&stream);
  return lines;
}

void write_all(int fd, std::string_view bytes) {
  fuzz::require(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()),
                "write the file");
}

// Reads until the reader waits (twice: with a stall limit of 0 a stream that
// ends early is given up as cut the second time) or gives up.
void read_on(FileReader& reader, CheckingSink& sink, std::size_t budget) {
  int waits = 0;
  for (int turn = 0; turn < 1000000 && waits < 2; ++turn) {
    auto result = reader.read(sink, budget);
    if (result.status == FileReader::Status::damaged || result.status == FileReader::Status::error)
      return;
    waits = result.status == FileReader::Status::eof ? waits + 1 : 0;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  // The settings come from the input's last bytes, so a gzip file with a few
  // bytes appended is a seed.
  std::size_t const max_line_bytes = input.ConsumeIntegralInRange<std::size_t>(1, 512);
  std::size_t const budget = input.ConsumeIntegralInRange<std::size_t>(1, 1 << 17);
  std::size_t const asked_at = input.ConsumeIntegral<std::uint16_t>();
  std::string const content = input.ConsumeRemainingBytesAsString();
  std::size_t const split = std::min(content.size(), std::max<std::size_t>(asked_at, 16));

  int fd = ::memfd_create("rotated", MFD_CLOEXEC);
  fuzz::require(fd >= 0, "memfd_create");
  write_all(fd, std::string_view(content).substr(0, split));  // gzip is still writing it
  auto reader = FileReader::open("/proc/self/fd/" + std::to_string(fd), max_line_bytes);
  if (reader == nullptr) {  // bzip2, xz, zstd: not read
    ::close(fd);
    return 0;
  }
  reader->set_stall_limit(std::chrono::hours(1));  // it grows again below
  bool const gzip = reader->kind() == FileKind::gzip;

  // What attaching and resuming ask of a file: its head, bytes anywhere.
  fuzz::require(reader->head().size() <= kFingerprintBytes, "the head is at most 256 bytes");
  auto some = reader->fingerprint();
  (void)some;
  if (gzip) (void)reader->damaged_head();
  CheckingSink sink(max_line_bytes);
  read_on(*reader, sink, budget);
  write_all(fd, std::string_view(content).substr(split));
  reader->set_stall_limit(std::chrono::milliseconds(0));  // now it is cut, if it ends early
  if (!reader->damage()) read_on(*reader, sink, budget);
  fuzz::require(reader->committed_offset() <= reader->read_offset(), "committed <= read");
  Lines expected = gzip ? lines_inflated(content) : lines_of(content.data(), content.size());
  bool partial_too_long = expected.tail >= max_line_bytes && sink.lines == expected.newlines + 1;
  fuzz::require(sink.lines == expected.newlines || partial_too_long,
                gzip ? "every complete line inflated before the damage, once"
                     : "one line handed on per line written");
  reader.reset();
  ::close(fd);
  return 0;
}
