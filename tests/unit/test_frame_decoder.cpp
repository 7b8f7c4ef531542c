#include <catch2/catch.hpp>

using namespace std::string_literals;

#include <string>
#include <vector>

#include "inputs/frame_decoder.hpp"

using namespace cos_exporter;

namespace {

// What a decoder saw: each frame as "F:<bytes>", each too long frame as "LONG",
// a framing error as "ERROR" (and nothing after it).
struct Recorder final : FrameDecoder::Sink {
  std::vector<std::string> seen;
  void frame(std::string_view frame) noexcept override {
    seen.push_back("F:" + std::string(frame));
  }
  void too_long() noexcept override { seen.push_back("LONG"); }
};

// Feeds `stream` in pieces of `chunk` bytes as a connection does: the unused
// rest is kept and handed again with the next bytes after it.
std::vector<std::string> decode(std::string const& stream, TcpFraming framing,
                                std::size_t max_frame_bytes, std::size_t chunk) {
  FrameDecoder decoder(framing, max_frame_bytes);
  Recorder recorder;
  std::string held;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    held += stream.substr(at, chunk);
    auto result = decoder.decode(held, recorder);
    if (result.framing_error) {
      recorder.seen.push_back("ERROR");
      return recorder.seen;
    }
    held.erase(0, result.used);
    // The bound the connection's buffer relies on.
    REQUIRE(held.size() <= max_frame_bytes + FrameDecoder::kMaxHeaderBytes);
  }
  if (!held.empty() || !decoder.at_frame_boundary()) recorder.seen.push_back("CUT");
  return recorder.seen;
}

// The same result whatever the split: all at once and in every chunk size
// from 1 byte (split at every byte) up.
std::vector<std::string> decode_every_split(std::string const& stream, TcpFraming framing,
                                            std::size_t max_frame_bytes = 64) {
  auto whole = decode(stream, framing, max_frame_bytes, stream.size() + 1);
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    INFO("chunk " << chunk);
    CHECK(decode(stream, framing, max_frame_bytes, chunk) == whole);
  }
  return whole;
}

using Seen = std::vector<std::string>;

}  // namespace

TEST_CASE("octet counting frames LEN SP MSG, split at any byte", "[tcp_framing]") {
  std::string stream = "5 hello11 {\"code\":-3}3 a\nb";
  CHECK(decode_every_split(stream, TcpFraming::octet_counting) ==
        Seen{"F:hello", "F:{\"code\":-3}", "F:a\nb"});
  CHECK(decode_every_split(stream, TcpFraming::auto_detect) ==
        Seen{"F:hello", "F:{\"code\":-3}", "F:a\nb"});
  // A newline or NUL trailer inside the counted message is not part of it.
  CHECK(decode_every_split("4 abc\n4 def\0"s, TcpFraming::octet_counting) ==
        Seen{"F:abc", "F:def"});
}

TEST_CASE("newline framing ends a frame at LF or NUL, split at any byte", "[tcp_framing]") {
  // rsyslog's traditional framing, CRLF (the processor drops the \r), and
  // Python's SysLogHandler over TCP: NUL-terminated, no newline.
  std::string stream = "<13>a line\n<14>crlf\r\n<11>python\0<11>python again\0\n<12>x\n"s;
  CHECK(decode_every_split(stream, TcpFraming::newline) ==
        Seen{"F:<13>a line", "F:<14>crlf\r", "F:<11>python", "F:<11>python again", "F:<12>x"});
  CHECK(decode_every_split(stream, TcpFraming::auto_detect) ==
        Seen{"F:<13>a line", "F:<14>crlf\r", "F:<11>python", "F:<11>python again", "F:<12>x"});
  // A frame not yet ended is held, not handed on.
  CHECK(decode_every_split("done\nnot yet", TcpFraming::newline) == Seen{"F:done", "CUT"});
}

TEST_CASE("auto framing decides per frame from its first bytes", "[tcp_framing]") {
  // Digits then a space: octet counting; digits then anything else, or no
  // digit at all: a newline frame.
  CHECK(decode_every_split("3 abc12:00 ok\n<1>x\n7 counted", TcpFraming::auto_detect) ==
        Seen{"F:abc", "F:12:00 ok", "F:<1>x", "F:counted"});
  CHECK(decode_every_split("-5 minus\n", TcpFraming::auto_detect) == Seen{"F:-5 minus"});
  CHECK(decode_every_split("123456789012345\n", TcpFraming::auto_detect) ==
        Seen{"F:123456789012345"});
}

TEST_CASE("a frame over the bound is one too_long, skipped to its end", "[tcp_framing]") {
  std::string big(100, 'x');
  // Octet counting: the length says where it ends; the stream carries on.
  CHECK(decode_every_split("100 " + big + "2 ok", TcpFraming::octet_counting, 64) ==
        Seen{"LONG", "F:ok"});
  CHECK(decode_every_split("64 " + std::string(64, 'y') + "2 ok", TcpFraming::octet_counting, 64) ==
        Seen{"F:" + std::string(64, 'y'), "F:ok"});
  // Newline: skipped to the next delimiter, however far.
  CHECK(decode_every_split(big + "\nok\n", TcpFraming::newline, 64) == Seen{"LONG", "F:ok"});
  CHECK(decode_every_split(std::string(64, 'z') + "\nok\n", TcpFraming::newline, 64) ==
        Seen{"F:" + std::string(64, 'z'), "F:ok"});
  CHECK(decode_every_split(big + big + "\0ok\n"s, TcpFraming::auto_detect, 64) ==
        Seen{"LONG", "F:ok"});
  // A huge length is skipped as it streams by, never held.
  FrameDecoder decoder(TcpFraming::octet_counting, 64);
  Recorder recorder;
  CHECK(decoder.decode("9999999999 ", recorder).used == 11);
  std::string chunk(1 << 20, 'a');
  for (int i = 0; i < 8; ++i) CHECK(decoder.decode(chunk, recorder).used == chunk.size());
  CHECK(recorder.seen == Seen{"LONG"});
  CHECK_FALSE(decoder.at_frame_boundary());
}

TEST_CASE("a length that is not one is a framing error", "[tcp_framing]") {
  // More than 10 digits, zero, a leading zero: the connection is closed after
  // the frames before it.
  for (auto framing : {TcpFraming::octet_counting, TcpFraming::auto_detect}) {
    CHECK(decode_every_split("2 ok99999999999 xx", framing) == Seen{"F:ok", "ERROR"});
    CHECK(decode_every_split("2 ok0 ", framing) == Seen{"F:ok", "ERROR"});
    CHECK(decode_every_split("2 ok05 hello", framing) == Seen{"F:ok", "ERROR"});
  }
  // Forced octet counting: no digits, a sign, or digits without the space.
  CHECK(decode_every_split("2 ok-5 hello", TcpFraming::octet_counting) == Seen{"F:ok", "ERROR"});
  CHECK(decode_every_split("2 okabc hello", TcpFraming::octet_counting) == Seen{"F:ok", "ERROR"});
  CHECK(decode_every_split("2 ok12x", TcpFraming::octet_counting) == Seen{"F:ok", "ERROR"});
  // Newline framing has no lengths: the same bytes are lines.
  CHECK(decode_every_split("0 \n99999999999 x\n", TcpFraming::newline) ==
        Seen{"F:0 ", "F:99999999999 x"});
}

TEST_CASE("a stream cut inside a frame leaves it unfinished", "[tcp_framing]") {
  CHECK(decode_every_split("5 hello10 cut", TcpFraming::octet_counting) == Seen{"F:hello", "CUT"});
  CHECK(decode_every_split("5 hello12", TcpFraming::octet_counting) == Seen{"F:hello", "CUT"});
  CHECK(decode_every_split("5 hello", TcpFraming::octet_counting) == Seen{"F:hello"});
}
