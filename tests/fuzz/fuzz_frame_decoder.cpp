// Any bytes as a tcp connection's stream, under each framing and split at a
// point the input picks: the decoder never reads outside what it was given,
// never holds more than a frame and its header, and hands on the same frames
// whether the stream comes whole or in two pieces.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "inputs/frame_decoder.hpp"

using namespace cos_exporter;

namespace {

struct Recorder final : FrameDecoder::Sink {
  std::vector<std::string> seen;
  void frame(std::string_view frame) noexcept override { seen.emplace_back(frame); }
  void too_long() noexcept override { seen.emplace_back("\x01LONG"); }
};

std::vector<std::string> run(std::string_view stream, TcpFraming framing, std::size_t max,
                             std::size_t split) {
  FrameDecoder decoder(framing, max);
  Recorder recorder;
  std::string held;
  for (std::string_view piece : {stream.substr(0, split), stream.substr(split)}) {
    held.append(piece);
    auto result = decoder.decode(held, recorder);
    if (result.framing_error) {
      recorder.seen.emplace_back("\x01ERROR");
      return recorder.seen;
    }
    if (result.used > held.size()) std::abort();
    held.erase(0, result.used);
    if (held.size() > max + FrameDecoder::kMaxHeaderBytes) std::abort();
  }
  return recorder.seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 2) return 0;
  auto const framing = static_cast<TcpFraming>(data[0] % 3);
  std::size_t const max = 1 + data[1] % 64;
  std::string_view stream(reinterpret_cast<char const*>(data) + 2, size - 2);
  std::size_t const split = stream.empty() ? 0 : data[1] % (stream.size() + 1);
  if (run(stream, framing, max, stream.size()) != run(stream, framing, max, split)) std::abort();
  return 0;
}
