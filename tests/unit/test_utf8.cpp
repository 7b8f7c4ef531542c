#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <catch2/catch.hpp>

#include "cos_exporter/common/json_string.hpp"
#include "cos_exporter/common/utf8.hpp"
#include "cos_exporter/exposition/landing_page.hpp"
#include "cos_exporter/exposition/metrics_exposition.hpp"

using namespace cos_exporter;

TEST_CASE("valid UTF-8 passes the sanitizer unchanged", "[utf8]") {
  for (std::string_view text : {"", "plain ascii", "back\\slash \\xff", "中文 ü € 😀", "\x7f\x01"}) {
    CHECK(is_valid_utf8(text));
    CHECK(sanitize_utf8(text) == text);
  }
}

TEST_CASE("bytes that are not UTF-8 become \\xNN, valid neighbours stay", "[utf8]") {
  CHECK(sanitize_utf8("logs/\xff\xfe.log") == "logs/\\xff\\xfe.log");
  CHECK(sanitize_utf8("\xc3(") == "\\xc3(");
  CHECK(sanitize_utf8("ü\xffü") == "ü\\xffü");
  // Truncated sequence at the end, lone continuation byte.
  CHECK(sanitize_utf8("a\xe4\xb8") == "a\\xe4\\xb8");
  CHECK(sanitize_utf8("\x80z") == "\\x80z");
  // Overlong "/", a UTF-16 surrogate, a code point beyond U+10FFFF, 0xf8..0xff leads.
  CHECK(sanitize_utf8("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(sanitize_utf8("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(sanitize_utf8("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  CHECK(sanitize_utf8("\xf8\x88\x80\x80\x80") == "\\xf8\\x88\\x80\\x80\\x80");
  for (int byte = 0x80; byte <= 0xff; ++byte) {
    std::string one(1, static_cast<char>(byte));
    CHECK(is_valid_utf8(sanitize_utf8(one)));
    CHECK(sanitize_utf8(one).size() == 4);
  }
}

TEST_CASE("JSON strings are valid UTF-8 whatever the bytes", "[utf8]") {
  std::string out;
  append_json_string(out, "a\xff\"b");
  CHECK(out == "\"a\\\\xff\\\"b\"");
  CHECK(is_valid_utf8(out));
}

TEST_CASE("the landing page shows bytes that are not UTF-8 as \\xNN", "[utf8]") {
  CHECK(html_escape("<a\xfe>") == "&lt;a\\xfe&gt;");
}

TEST_CASE("label values that are not UTF-8 are exposed as \\xNN", "[utf8]") {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter().Name("lines_total").Help("h").Register(registry);
  family.Add({{"path", "logs/\xff\xfe.log"}}).Increment();
  family.Add({{"path", "ok/ü.log"}}).Increment(2);
  std::string page = render_exposition({&registry});
  CHECK(is_valid_utf8(page));
  CHECK(page.find("lines_total{path=\"logs/\\\\xff\\\\xfe.log\"} 1") != std::string::npos);
  CHECK(page.find("lines_total{path=\"ok/ü.log\"} 2") != std::string::npos);
}
