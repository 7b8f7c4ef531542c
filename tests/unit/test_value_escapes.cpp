#include <catch2/catch.hpp>
#include <string>

#include "cos_exporter/parsing/line_parser.hpp"
#include "parsing/escapes.hpp"
#include "parsing/python_dict.hpp"

using namespace cos_exporter;

namespace {

struct Read {
  bool ok;
  std::string reason;
  std::int64_t code;
  std::string message, bucket;
};

Read read(std::string_view line, EventFormat format = EventFormat::auto_detect) {
  LineParser parser(format, "", 16384);
  EventFieldNames const fields({"bucket"});
  ParseResult r = parser.parse(line, fields);
  return {r.ok, r.ok ? "" : std::string(to_string(r.reason)), r.event.code,
          std::string(r.event.message), std::string(r.event.fields.values[0])};
}

std::string python(std::string_view body, bool bytes = false) {
  std::string out(body.size(), '\0');
  out.resize(decode_python_string(body, bytes, out.data()));
  return out;
}

std::string logfmt(std::string_view body) {
  std::string out(body.size(), '\0');
  out.resize(decode_logfmt_string(body, out.data()));
  return out;
}

}  // namespace

TEST_CASE("a Python dict counts its own keys, not a nested dict's", "[parser]") {
  Read e = read("{'nested': {'code': -97}, 'code': -96, 'bucket': 'p2'}");
  REQUIRE(e.ok);
  CHECK(e.code == -96);
  CHECK(e.bucket == "p2");
  e = read("WARN result: {'bucket': 'p3', 'detail': {'code': -97, 'bucket': 'x'}, 'code': -95}");
  REQUIRE(e.ok);
  CHECK(e.code == -95);
  CHECK(e.bucket == "p3");
  // Values Python's repr writes that are not strings or numbers.
  e = read("{'when': datetime(2026, 1, 1), 'tags': ['a', 'b'], 'x': None, 'code': -96}");
  REQUIRE(e.ok);
  CHECK(e.code == -96);
  CHECK(read("{'nested': {'code': -97}}").reason == "no_event");
  CHECK(read("x {'nested': {'code': -97}} {'code': -98}").code == -98);
  // The JSON equivalent, whole and behind text.
  CHECK(read(R"({"nested": {"code": -97}, "code": -96, "bucket": "p2"})").bucket == "p2");
  e = read(R"(ERROR {"nested": {"code": -97}, "code": -96, "bucket": "p2"} retry)");
  REQUIRE(e.ok);
  CHECK(e.code == -96);
  CHECK(e.bucket == "p2");
}

TEST_CASE("Python string escapes are decoded as Python reads them", "[parser]") {
  Read e = read(R"({'code': -96, 'bucket': 'p4\'s', 'message': '\x41\u00e9'})");
  REQUIRE(e.ok);
  CHECK(e.bucket == "p4's");
  CHECK(e.message == "A\xc3\xa9");
  e = read(R"(ERROR: {u'code': -133, u'bucket': u'a\\b\tc\U0001F600', 'message': "it's \"q\""})");
  REQUIRE(e.ok);
  CHECK(e.bucket == "a\\b\tc\xf0\x9f\x98\x80");
  CHECK(e.message == "it's \"q\"");
  CHECK(python(R"(\101\0\n\q)") == std::string("A\0\n\\q", 5));
  // Kept as written: what is no escape, or no text.
  CHECK(python(R"(\x4)") == R"(\x4)");
  CHECK(python(R"(\ud800)") == R"(\ud800)");
  CHECK(python(R"(\U00110000)") == R"(\U00110000)");
  CHECK(python(R"(\xff\x41\u00e9)", true) == R"(\xffA\u00e9)");  // b'...'
  // r'...' is raw.
  CHECK(read(R"({'code': -1, 'bucket': r'a\n'})").bucket == R"(a\n)");
  CHECK(read(R"({'code': -1, 'bucket': b'\x41\xff'})").bucket == R"(A\xff)");
}

TEST_CASE("logfmt escapes are decoded as go-logfmt reads them", "[parser]") {
  Read e = read(R"(code=-96 bucket="l2 \"esc\"" message="a\\b\nc\u00e9")");
  REQUIRE(e.ok);
  CHECK(e.bucket == "l2 \"esc\"");
  CHECK(e.message == "a\\b\nc\xc3\xa9");
  CHECK(read(R"(code="-96" bucket="x")", EventFormat::logfmt).code == -96);
  CHECK(logfmt(R"(\ud83d\ude00\/)") == "\xf0\x9f\x98\x80/");
  CHECK(logfmt(R"(\ud83d \q)") == R"(\ud83d \q)");
}

TEST_CASE("the Python dict reader walks top-level entries only", "[parser]") {
  std::vector<std::pair<std::string, std::string>> seen;
  bool too_deep = false;
  auto visit = [&](std::string_view key, PythonValue const& value) {
    seen.emplace_back(std::string(key), std::string(value.text));
  };
  CHECK(read_python_dict("{'a': {'b': 1}, u'c': \"}\", 1: 'x', 'd': (1, 2),}", visit, too_deep));
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == std::pair<std::string, std::string>{"a", "{'b': 1}"});
  CHECK(seen[1] == std::pair<std::string, std::string>{"c", "}"});
  CHECK(seen[2] == std::pair<std::string, std::string>{"d", "(1, 2)"});
  CHECK(read_python_dict("{}", visit, too_deep));
  CHECK_FALSE(read_python_dict("{'a' 1}", visit, too_deep));
  CHECK_FALSE(read_python_dict("{'a': 'x}", visit, too_deep));
  CHECK_FALSE(read_python_dict("{'a': 1 'b': 2}", visit, too_deep));
  CHECK_FALSE(read_python_dict("{'a': " + std::string(100, '[') + std::string(100, ']') + "}",
                               visit, too_deep));
  CHECK(too_deep);
}
