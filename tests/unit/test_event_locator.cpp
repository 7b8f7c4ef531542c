#include <catch2/catch.hpp>

#include "cos_exporter/parsing/line_parser.hpp"
#include "parser_test_support.hpp"
#include "parsing/event_locator.hpp"

using namespace cos_exporter;

namespace {

ParseOutcome parse(std::string_view line, std::size_t max = 16384) {
  return parse_with(line, EventFormat::auto_detect, "", max);
}

}  // namespace

TEST_CASE("format auto finds a JSON event behind any prefix, keys in any order", "[parser]") {
  // What the COS v4 Java SDK logs (COSClient.recordException).
  auto e = parse(
      "2026-11-28 10:00:01,123 WARN  [main] com.qcloud.cos.COSClient:78 - uploadFile occur a "
      "exception, request:UploadFileRequest [bucketName=photos, cosPath=/a.jpg], "
      R"(message:{"code":-1,"message":"local file /tmp/a.jpg not exist"})");
  CHECK(e.ok);
  CHECK(e.code == -1);
  CHECK(e.message == "local file /tmp/a.jpg not exist");
  // org.json does not keep key order; text may follow the object.
  e = parse(
      R"(level=warn msg: {"message":"ERROR_PROXY_AUTH_EXPIRED","count":2,"code":-96} (retrying))");
  CHECK(e.ok);
  CHECK(e.code == -96);
  CHECK(e.message == "ERROR_PROXY_AUTH_EXPIRED");
  CHECK(e.count == 2);
  // Only an object's own keys: a `code` nested in one makes no event.
  CHECK(parse(R"(ctx={"a":{"b":1}} err={"error":{"message":"X","code":-97}} done)").reason ==
        "no_event");
  e = parse(R"(ctx={"a":{"b":1}} err={"error":{"code":-97},"message":"X","code":-98} done)");
  CHECK(e.ok);
  CHECK(e.code == -98);
  CHECK(e.message == "X");
  // Braces and quotes inside strings do not end the object.
  e = parse(R"(x {"message":"a } \" { b","code":-4016} y)");
  CHECK(e.ok);
  CHECK(e.code == -4016);
  CHECK(e.message == R"(a } " { b)");
  // The first object with a usable code key wins.
  CHECK(parse(R"(a {"code":-96} b {"code":-97})").code == -96);
}

TEST_CASE("format auto reads Python dict literals", "[parser]") {
  auto e =
      parse("ERROR:root:upload failed: {u'code': -133, u'message': u'ERROR_CMD_BUCKET_NOTEXIST'}");
  CHECK(e.ok);
  CHECK(e.code == -133);
  CHECK(e.message == "ERROR_CMD_BUCKET_NOTEXIST");
  e = parse("{'message': 'ERROR_PROXY_AUTH_EXPIRED', 'code': -96L, 'count': 3}");
  CHECK(e.ok);
  CHECK(e.code == -96);
  CHECK(e.count == 3);
  CHECK(parse(R"(resp {'code': '-4016', 'message': "it's"})").code == -4016);
  CHECK(parse("resp {'code': None}").reason == "invalid_code");
  CHECK(parse("resp {'code': -96, 'count': 0}").reason == "invalid_count");
}

TEST_CASE("events found inside a line carry their extra fields", "[parser]") {
  LineParser parser(EventFormat::auto_detect, "", 16384);
  EventFieldNames const fields({"request_id", "bucket"});
  auto result = parser.parse(
      R"(WARN upload: {"code":-96,"request_id":"NTk0","bucket":"photos"} (retrying))", fields);
  REQUIRE(result.ok);
  CHECK(result.event.fields.values[0] == "NTk0");
  CHECK(result.event.fields.values[1] == "photos");
  // A Python dict: a field counts only as a quoted string, like its message.
  result = parser.parse("ERROR:root: {u'code': -133, u'request_id': u'NTk1', 'bucket': 7}", fields);
  REQUIRE(result.ok);
  CHECK(result.event.code == -133);
  CHECK(result.event.fields.values[0] == "NTk1");
  CHECK(result.event.fields.values[1].empty());
}

TEST_CASE("a key that merely ends in code is no event", "[parser]") {
  CHECK(parse("error_code=500").reason == "no_event");
  CHECK(parse(R"({"http_code":500})").reason == "no_event");
  CHECK(parse(R"(GET /a {"http_code":500})").reason == "no_event");
  CHECK(parse("resp {'status_code': 500}").reason == "no_event");
  // "code" as a value, not a key.
  CHECK(parse(R"(x {"field":"code"})").reason == "no_event");
  // logfmt as before: only the key `code`.
  auto e = parse("ts=1 level=error code=-97 message=ERROR_PROXY_AUTH_FAILED");
  CHECK(e.ok);
  CHECK(e.code == -97);
}

TEST_CASE("broken and hostile objects are malformed with a reason", "[parser]") {
  CHECK(parse(R"(prefix {"code":-96,"message":"x")").reason == "invalid_json");
  CHECK(parse(R"(prefix {"code":1e999999})").reason == "invalid_json");
  CHECK(parse(R"({"code":)").reason == "invalid_json");
  // 16 KiB of '{': no key, and no JSON.
  CHECK(parse(std::string(16383, '{')).reason == "invalid_json");
  CHECK(parse("x " + std::string(16000, '{')).reason == "no_event");
  // Nested 10,000 deep, as one document and behind a prefix.
  std::size_t const big = 1 << 20;
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  CHECK(parse(R"({"code":-96,"x":)" + deep + "}", big).reason == "too_deep");
  CHECK(parse(R"(at {"code":-96,"x":)" + deep + "}", big).reason == "too_deep");
  std::string nested;
  for (int i = 0; i < 10000; ++i) nested += R"({"a":)";
  CHECK(parse(nested + "1" + std::string(10000, '}'), big).reason == "too_deep");
  // Many keys and braces: bounded work, still an answer.
  std::string keys;
  for (int i = 0; i < 2000; ++i) keys += R"({"code": )";
  CHECK_FALSE(parse(keys).ok);
  CHECK(parse(std::string(8000, '"') + R"({"code":1})").ok);
}

TEST_CASE("the locator finds extents without parsing", "[parser]") {
  bool too_deep = false;
  std::string_view text = R"({"a":"}","b":[{"c":"}"}]} tail)";
  CHECK(matching_brace(text, 0, Dialect::json, too_deep) == 24);
  CHECK(matching_brace(R"({'a': '}'})", 0, Dialect::python, too_deep) == 9);
  CHECK(matching_brace(R"({"a":"\\"})", 0, Dialect::json, too_deep) == 9);
  CHECK(matching_brace(R"({"a":"\"})", 0, Dialect::json, too_deep) == std::string_view::npos);
  CHECK(matching_brace(std::string(65, '{'), 0, Dialect::json, too_deep) == std::string_view::npos);
  CHECK(too_deep);
}
