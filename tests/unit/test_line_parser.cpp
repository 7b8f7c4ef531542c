#include <catch2/catch.hpp>

#include "cos_exporter/parsing/line_parser.hpp"
#include "parser_test_support.hpp"

using namespace cos_exporter;

namespace {

ParseOutcome parse(std::string_view line, EventFormat format = EventFormat::auto_detect,
                   std::string const& regex = "", std::size_t max = 256) {
  return parse_with(line, format, regex, max);
}

std::string reason(std::string_view line, EventFormat format = EventFormat::auto_detect) {
  return parse(line, format).reason;
}

}  // namespace

TEST_CASE("JSON events", "[parser]") {
  auto e = parse(R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk"})");
  CHECK(e.ok);
  CHECK(e.code == -96);
  CHECK(e.message == "ERROR_PROXY_AUTH_EXPIRED");
  CHECK(e.count == 1);
  e = parse(R"( {"count":3,"code":"-4016"} )");
  CHECK(e.ok);
  CHECK(e.code == -4016);
  CHECK(e.count == 3);
  CHECK(parse(R"({"code":-96,"message":"\u4e2d"})").message == "中");
  CHECK(parse(R"({"code":-96,"message":7})").message.empty());
  CHECK(parse(R"({"code":-96,"count":"2"})").count == 2);
  CHECK(parse(R"({"code":9223372036854775807})").code == INT64_MAX);

  CHECK(reason(R"({"code":)") == "invalid_json");
  // An object followed by more text is an event: the text is not part of it.
  CHECK(parse(R"({"code":-96}})").code == -96);
  CHECK(reason(R"([-96])", EventFormat::json) == "invalid_json");
  CHECK(reason(R"({"code":1e999999})") == "invalid_json");
  CHECK(reason(R"({"message":"x"})") == "no_event");
  CHECK(reason(R"({"code":1.5})") == "invalid_code");
  CHECK(reason(R"({"code":null})") == "invalid_code");
  CHECK(reason(R"({"code":"12a"})") == "invalid_code");
  CHECK(reason(R"({"code":9223372036854775808})") == "invalid_code");
  CHECK(reason(R"({"code":"99999999999999999999"})") == "invalid_code");
  CHECK(reason(R"({"code":-96,"count":0})") == "invalid_count");
  CHECK(reason(R"({"code":-96,"count":-1})") == "invalid_count");
  CHECK(reason(R"({"code":-96,"count":9007199254740993})") == "invalid_count");
  CHECK(reason(R"({"code":-96,"count":1.0})") == "invalid_count");
}

TEST_CASE("logfmt events and bare integers", "[parser]") {
  auto e = parse(R"(ts=2026-01-01 level=error code=-97 message="bad sign" count=2)");
  CHECK(e.ok);
  CHECK(e.code == -97);
  CHECK(e.message == "bad sign");
  CHECK(e.count == 2);
  CHECK(parse(R"(code=-61 message="a \"quoted\" name")").message == R"(a "quoted" name)");
  CHECK(parse("-96").code == -96);
  CHECK(parse("  403\r").code == 403);
  CHECK(parse("code=-96 flag").ok);
  CHECK(parse("-96", EventFormat::logfmt).ok);

  CHECK(reason("code=\"abc") == "invalid_logfmt");
  CHECK(reason("=5") == "no_event");  // no `code` key: text, not broken logfmt
  CHECK(reason("=5", EventFormat::logfmt) == "invalid_logfmt");
  CHECK(reason("code=-96\"x") == "invalid_logfmt");
  CHECK(reason("message=x") == "no_event");
  CHECK(reason("code=") == "invalid_code");
  CHECK(reason("code=+5") == "invalid_code");
  CHECK(reason("code=-96 count=0") == "invalid_count");
  CHECK(reason("code=-96 count=x") == "invalid_count");
  CHECK(reason("hello world") == "no_event");
  CHECK(reason("hello", EventFormat::logfmt) == "no_event");
  CHECK(reason("{\"code\":1}", EventFormat::logfmt) == "invalid_logfmt");
}

TEST_CASE("regex events", "[parser]") {
  std::string const regex =
      R"(err=(?P<code>-?\d+)(?: msg=(?P<message>\S+))?(?: n=(?P<count>\d+))?)";
  auto e = parse("t=1 err=-61 msg=ERROR_PROXY_INVALID_CMD_REQ n=4", EventFormat::regex, regex);
  CHECK(e.ok);
  CHECK(e.code == -61);
  CHECK(e.message == "ERROR_PROXY_INVALID_CMD_REQ");
  CHECK(e.count == 4);
  CHECK(parse("err=-4016", EventFormat::regex, regex).message.empty());
  CHECK(parse("nothing", EventFormat::regex, regex).reason == "no_event");
  CHECK(parse("err=-1 n=0", EventFormat::regex, regex).reason == "invalid_count");
  CHECK(LineParser::check_regex("(").starts_with("missing )"));
  CHECK(LineParser::check_regex("x") == "it needs a named group (?P<code>...) for the code");
  CHECK_THROWS_AS(LineParser(EventFormat::regex, "(x", 100), std::invalid_argument);
}

TEST_CASE("lines that are no event of any format", "[parser]") {
  CHECK(reason("") == "blank");
  CHECK(reason(" \t ") == "blank");
  CHECK(parse(std::string(257, '1')).reason == "too_long");
  CHECK(parse(std::string(256, '1')).reason == "invalid_code");  // fits, but overflows int64
  CHECK(reason("\xff\xfe") == "no_event");                       // no sign of an event in it
  CHECK(reason("\xff\xfe", EventFormat::json) == "invalid_utf8");
  CHECK(reason("code \xff") == "invalid_utf8");
  CHECK(reason("code=-96 message=\xc3") == "invalid_utf8");
  // In a JSON object, read or not, and in one that is found inside the line.
  CHECK(reason("{\"code\":-96,\"message\":\"\xff\"}") == "invalid_utf8");
  CHECK(reason("{\"code\":-96,\"bucket\":\"a\xc3\"}") == "invalid_utf8");
  CHECK(reason("{\"code\":-96} \xed\xa0\x80") == "invalid_utf8");
  CHECK(reason("ERROR \xff {\"code\":-96}") == "invalid_utf8");
  std::string binary("\x00\x01\x02\x03", 4);
  CHECK(reason(binary) == "no_event");
  // Every byte value alone: never an exception, never an event.
  LineParser parser(EventFormat::auto_detect, "", 64);
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    ParseResult r = parser.parse(std::string_view(&c, 1));
    if (b >= '0' && b <= '9')
      CHECK(r.ok);
    else
      CHECK_FALSE(r.ok);
  }
}

TEST_CASE("strict integers", "[parser]") {
  std::int64_t code = 0;
  CHECK(parse_code("-9223372036854775808", code));
  CHECK(code == INT64_MIN);
  CHECK_FALSE(parse_code("-9223372036854775809", code));
  CHECK_FALSE(parse_code(" 1", code));
  CHECK_FALSE(parse_code("1 ", code));
  CHECK_FALSE(parse_code("0x10", code));
  std::uint64_t count = 0;
  CHECK(parse_count("9007199254740992", count));
  CHECK_FALSE(parse_count("9007199254740993", count));
  CHECK_FALSE(parse_count("0", count));
}
