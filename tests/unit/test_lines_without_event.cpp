#include <catch2/catch.hpp>

#include "cos_exporter/parsing/line_parser.hpp"
#include "parser_test_support.hpp"

using namespace cos_exporter;

namespace {

std::string reason(std::string_view line, EventFormat format = EventFormat::auto_detect,
                   std::string const& regex = "") {
  return parse_with(line, format, regex, 16384).reason;
}

}  // namespace

TEST_CASE("format auto: ordinary log lines hold no event and are not malformed", "[parser]") {
  for (std::string_view line : {
           "2026-11-28 10:00:01,123 INFO  [main] com.example.App:42 - started in 1.2 s",
           "INFO uploading /data/a.jpg to bucket photos",
           "----------------------------------------", "2026-11-28",
           "Traceback (most recent call last):", R"(  File "/app/main.py", line 12, in <module>)",
           R"(INFO got response {"status": "ok", "size": 12})",
           R"({"level":"info","msg":"upload done","bucket":"photos"})",
           R"({"level":"info","response":{"code":-96}})",  // nested: not the line's own key
           "{'status': 'ok', 'size': 12}", "{foo bar}",
           "level=info msg=\"upload done\" bucket=photos",
           R"(He said "hi" to user=bob)",  // '=' and quotes, but no logfmt `code`
           "caf\xe9 ouvert",               // Latin-1 text without a sign of an event
       })
    CHECK(reason(line) == "no_event");
  CHECK(reason("") == "blank");
  CHECK(reason(" \t \r") == "blank");
}

TEST_CASE("format auto: a line that looks like an event and is broken stays malformed",
          "[parser]") {
  CHECK(reason(R"({"code":"abc","message":"x"})") == "invalid_code");
  CHECK(reason(R"(ERROR upload {"code":"abc"})") == "invalid_code");
  CHECK(reason("ERROR {'code': 'x-96'}") == "invalid_code");
  CHECK(reason("level=error code=abc") == "invalid_code");
  CHECK(reason("99999999999999999999") == "invalid_code");
  CHECK(reason(R"({"code":-96,"message":"cut sh)") == "invalid_json");
  CHECK(reason(R"(ERROR upload {"code":-96,"message":"cut sh)") == "invalid_json");
  CHECK(reason(R"({"level":"error","msg":"cut sh)") == "invalid_json");  // an object cut short
  CHECK(reason(R"(code=-96 message="cut sh)") == "invalid_logfmt");
  CHECK(reason(R"(code=-96 count=0)") == "invalid_count");
  CHECK(reason("code=-96 message=\xff") == "invalid_utf8");
}

TEST_CASE("fixed formats: a line in the format without a code holds no event", "[parser]") {
  // format: json: every line must be a JSON object; one without `code` is
  // an ordinary structured log line.
  CHECK(reason(R"({"level":"info","msg":"started"})", EventFormat::json) == "no_event");
  CHECK(reason(R"({"nested":{"code":-97}})", EventFormat::json) == "no_event");
  CHECK(reason("started", EventFormat::json) == "invalid_json");
  CHECK(reason(R"({"code":"abc"})", EventFormat::json) == "invalid_code");
  CHECK(reason("", EventFormat::json) == "blank");
  // format: logfmt: the same for key=value pairs.
  CHECK(reason("level=info msg=started", EventFormat::logfmt) == "no_event");
  CHECK(reason("started", EventFormat::logfmt) == "no_event");
  CHECK(reason(R"(He said "hi")", EventFormat::logfmt) == "invalid_logfmt");
  CHECK(reason("code=abc", EventFormat::logfmt) == "invalid_code");
  // format: regex: a line the pattern does not match is not an event.
  CHECK(reason("INFO fine", EventFormat::regex, R"(ERR (?P<code>\S+))") == "no_event");
  CHECK(reason("ERR abc", EventFormat::regex, R"(ERR (?P<code>\S+))") == "invalid_code");
}
