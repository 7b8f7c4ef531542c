// Any bytes as a tailed file's content, appended in arbitrary chunks and read
// with arbitrary budgets through a FileReader, sometimes truncated
// as copytruncate does: never a crash, no line longer than max_line_bytes or
// holding a '\n', positions within the file, and, without truncation, one
// line handed on for each line written.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::size_t const max_line_bytes = input.ConsumeIntegralInRange<std::size_t>(1, 64);
  int fd = ::memfd_create("tailed", MFD_CLOEXEC);
  fuzz::require(fd >= 0, "memfd_create");
  auto reader = FileReader::open("/proc/self/fd/" + std::to_string(fd), max_line_bytes);
  fuzz::require(reader != nullptr, "open the tailed file");

  CheckingSink sink(max_line_bytes);
  std::string written;  // the file's content since the last truncation
  bool truncated = false;
  while (input.remaining_bytes() > 0) {
    std::uint8_t const action = input.ConsumeIntegral<std::uint8_t>();
    if (action == 0xff) {  // copytruncate: the file starts over
      fuzz::require(::ftruncate(fd, 0) == 0 && ::lseek(fd, 0, SEEK_SET) == 0, "truncate");
      written.clear();
      truncated = true;
      continue;
    }
    std::string chunk = input.ConsumeRandomLengthString(256);
    fuzz::require(::write(fd, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size()),
                  "append to the tailed file");
    written += chunk;
    std::size_t const budget = 1 + (action & 0x7f);
    auto result = reader->read(sink, budget);
    fuzz::require(result.status != FileReader::Status::error, "reading a memfd never fails");
    fuzz::require(reader->committed_offset() <= reader->read_offset(), "committed <= read");
    fuzz::require(reader->read_offset() <= written.size() || truncated,
                  "never past the end of the file");
  }
  // Drain what is left, then let the file go as a rotation does.
  while (reader->read(sink, 1 << 20).status == FileReader::Status::more) {
  }
  fuzz::require(reader->read_offset() == written.size() || truncated, "everything was read");
  reader->flush_partial(sink);
  if (!truncated) {
    auto newlines = static_cast<std::uint64_t>(std::count(written.begin(), written.end(), '\n'));
    std::uint64_t const expected = newlines + (!written.empty() && written.back() != '\n');
    fuzz::require(sink.lines == expected, "one line handed on per line written");
  }
  reader.reset();
  ::close(fd);
  return 0;
}
