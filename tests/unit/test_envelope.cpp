#include <catch2/catch.hpp>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "cos_exporter/parsing/envelope.hpp"

using namespace cos_exporter;

namespace {

std::string body(std::string_view line, Envelope envelope = Envelope::auto_detect) {
  EnvelopeReader reader(envelope, 16384);
  Unwrapped u = reader.unwrap(line);
  if (!u.ok) return "!" + std::string(to_string(u.reason));
  return std::string(u.body);
}

double value(MetricStore const& store, std::string const& name,
             std::vector<std::string> const& labels) {
  auto const* family = store.find_counter(name);
  if (family == nullptr) return -1;
  auto const& all = family->all();
  auto it = all.find(labels);
  return it == all.end() ? -1 : static_cast<double>(it->second->value());
}

struct Pipeline {
  explicit Pipeline(Envelope envelope = Envelope::auto_detect, std::size_t max = 16384)
      : hub(std::make_shared<Classifier const>(Catalog::builtin(), GroupMatcher()), 64),
        processor(LineParser(EventFormat::auto_detect, "", max, envelope),
                  InputCounters(hub.store(), "in"), hub) {}
  double errors(std::string const& category, std::string const& code, std::string const& name) {
    return value(hub.store(), metric::kErrors, {category, code, name});
  }
  double malformed(std::string const& reason) {
    return value(hub.store(), metric::kMalformed, {"in", reason});
  }
  double received() { return value(hub.store(), metric::kReceived, {"in"}); }
  double without_event(std::string const& reason) {
    return value(hub.store(), metric::kWithoutEvent, {"in", reason});
  }
  CountingHub hub;
  LineProcessor processor;
};

}  // namespace

TEST_CASE("CRI lines: stream, tag and text", "[envelope]") {
  CHECK(body(R"(2026-11-28T10:00:00.123456789Z stdout F {"code":-96})") == R"({"code":-96})");
  CHECK(body("2026-11-28T10:00:00+08:00 stderr F -96") == "-96");
  CHECK(body("2026-11-28T10:00:00Z stdout F") == "");
  Unwrapped u;
  REQUIRE(unwrap_cri("2026-11-28T10:00:00Z stderr P part", u));
  CHECK(u.part == Unwrapped::Part::partial);
  CHECK(u.stderr_stream);
  CHECK(u.body == "part");
  // An application's own ISO timestamp is no CRI header.
  CHECK(body("2026-11-28T10:00:00Z ERROR code=-96") == "2026-11-28T10:00:00Z ERROR code=-96");
  CHECK(body("2026-11-28T10:00:00Z stdout X y", Envelope::cri) == "!invalid_envelope");
  CHECK(body("-96", Envelope::cri) == "!invalid_envelope");
}

TEST_CASE("Docker json-file lines: the log field", "[envelope]") {
  CHECK(body(R"({"log":"{\"code\":-96}\n","stream":"stdout","time":"2026-11-28T10:00:00.1Z"})") ==
        "{\"code\":-96}\n");
  CHECK(body(R"({"code":-96})") == R"({"code":-96})");
  CHECK(body(R"({"log":7})") == R"({"log":7})");
  CHECK(body(R"({"log":7})", Envelope::docker) == "!invalid_envelope");
  CHECK(body("-96", Envelope::docker) == "!invalid_envelope");
}

TEST_CASE("syslog lines: RFC 3164 and RFC 5424", "[envelope]") {
  CHECK(body(R"(<131>Nov 28 10:00:00 host app[123]: {"code":-96})") == R"({"code":-96})");
  CHECK(body("<13>Nov  8 10:00:00 host tag: code=-96 message=x") == "code=-96 message=x");
  CHECK(body("<13>Nov 28 10:00:00 host -96") == "-96");
  CHECK(body("<13>app: -96") == "-96");
  CHECK(body(R"(<131>1 2026-11-28T10:00:00.000Z host app 123 - - {"code":-96})") ==
        R"({"code":-96})");
  CHECK(body(R"(<14>1 2026-11-28T10:00:00Z host app - ID47 [x@1 a="]\"" b="c"][y@2] -96)") ==
        "-96");
  CHECK(body("<14>1 2026-11-28T10:00:00Z host app - - - \xEF\xBB\xBF-96") == "-96");
  CHECK(body("<14>1 2026-11-28T10:00:00Z host app - -") == "!invalid_envelope");
  CHECK(body("<14>1 2026-11-28T10:00:00Z host app - - [x") == "!invalid_envelope");
  // A bad PRI: out of range, a leading zero, too long, not closed.
  for (auto line : {"<192>Nov 28 10:00:00 h t: -96", "<013>x: -96", "<1234>x", "<13 x: -96"})
    CHECK(body(line) == "!invalid_envelope");
  CHECK(body("-96", Envelope::syslog) == "!invalid_envelope");
  CHECK(body("<b>bold</b>") == "<b>bold</b>");
  CHECK(body("<13>Nov 28 10:00:00 host app: -96", Envelope::none) ==
        "<13>Nov 28 10:00:00 host app: -96");
}

TEST_CASE("CRI partial lines are joined once, per source and stream", "[envelope]") {
  Pipeline p;
  p.processor.process_line(R"(2026-11-28T10:00:00Z stdout P {"code":)", "a.log");
  p.processor.process_line(R"(2026-11-28T10:00:00Z stderr P {"code":-97)", "a.log");
  p.processor.process_line(R"(2026-11-28T10:00:00Z stdout P {"code":-1,)", "b.log");
  p.processor.process_line(R"(2026-11-28T10:00:00Z stdout P -96,"message":)", "a.log");
  CHECK(p.received() == 0);
  p.processor.process_line(R"(2026-11-28T10:00:00Z stdout F "ERROR_PROXY_AUTH_EXPIRED"})", "a.log");
  p.processor.process_line(R"(2026-11-28T10:00:00Z stderr F })", "a.log");
  CHECK(p.errors("proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED") == 1);
  CHECK(p.errors("proxy", "-97", "ERROR_PROXY_AUTH_FAILED") == 1);
  CHECK(p.received() == 2);
  // An F line that ends no run is a line of its own (after a restart: the
  // tail of a run whose head was read before it).
  p.processor.process_line(R"(2026-11-28T10:00:00Z stdout F "message":"x"})", "a.log");
  CHECK(p.without_event("no_event") == 1);
  CHECK(p.received() == 2);
}

TEST_CASE("a CRI run that never ends is counted once as too long", "[envelope]") {
  Pipeline p(Envelope::auto_detect, 256);
  std::string part = "2026-11-28T10:00:00Z stdout P " + std::string(100, 'x');
  for (int i = 0; i < 10000; ++i) p.processor.process_line(part, "a.log");
  CHECK(p.malformed("too_long") == 1);
  CHECK(p.received() == 1);
  p.processor.process_line("2026-11-28T10:00:00Z stdout F }", "a.log");
  CHECK(p.received() == 1);
  // The next run starts afresh.
  p.processor.process_line("2026-11-28T10:00:00Z stdout P -9", "a.log");
  p.processor.process_line("2026-11-28T10:00:00Z stdout F 6", "a.log");
  CHECK(p.errors("proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED") == 1);
  // An F part that makes the run too long.
  p.processor.process_line("2026-11-28T10:00:00Z stdout P " + std::string(200, 'x'), "a.log");
  p.processor.process_line("2026-11-28T10:00:00Z stdout F " + std::string(200, 'x'), "a.log");
  CHECK(p.malformed("too_long") == 2);
}

TEST_CASE("open CRI runs are bounded in number", "[envelope]") {
  PartialLines lines(64);
  for (std::size_t i = 0; i < PartialLines::kMaxSources; ++i)
    CHECK(lines.add_part(std::to_string(i), false, "x") == PartialLines::Outcome::pending);
  CHECK(lines.add_part("one more", false, "x") == PartialLines::Outcome::no_room);
  std::string_view line;
  CHECK(lines.finish("7", false, "y", line) == PartialLines::Outcome::complete);
  CHECK(line == "xy");
  CHECK(lines.open_runs() == PartialLines::kMaxSources - 1);
  CHECK(lines.add_part("one more", false, "x") == PartialLines::Outcome::pending);
}

TEST_CASE("each envelope counts its event under the default config", "[envelope]") {
  Pipeline p;
  p.processor.process_lines(
      "2026-11-28T10:00:00.123456789Z stdout F "
      R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"})"
      "\n"
      R"({"log":"{\"code\":-96,\"message\":\"ERROR_PROXY_AUTH_EXPIRED\"}\n","stream":"stdout","time":"2026-11-28T10:00:00.1Z"})"
      "\n"
      R"(<131>Nov 28 10:00:00 host app[123]: {"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"})"
      "\n"
      R"(<131>1 2026-11-28T10:00:00Z host app 123 - - {"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"})"
      "\n<999>Nov 28 10:00:00 host app: -96");
  CHECK(p.errors("proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED") == 4);
  CHECK(p.malformed("invalid_envelope") == 1);
  CHECK(p.received() == 5);
}
