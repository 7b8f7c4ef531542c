#include <catch2/catch.hpp>

#include "cos_exporter/common/log.hpp"

using namespace cos_exporter;

TEST_CASE("log lines are logfmt or JSON", "[log]") {
  Logger logger;
  std::string line = logger.render(LogLevel::warn, "input failed",
                                   {{"input", "udp"}, {"error", "a \"b\"\n"}, {"empty", ""}});
  CHECK(line.starts_with("ts="));
  CHECK(line.ends_with(
      " level=warn msg=\"input failed\" input=udp error=\"a \\\"b\\\"\\n\" empty=\"\"\n"));
  logger.configure(LogLevel::info, LogFormat::json);
  line = logger.render(LogLevel::info, "ok", {{"k", "中"}});
  CHECK(line.starts_with("{\"ts\":\""));
  CHECK(line.ends_with(",\"level\":\"info\",\"msg\":\"ok\",\"k\":\"中\"}\n"));
  CHECK_FALSE(logger.enabled(LogLevel::debug));
}

TEST_CASE("the rate limiter lets one through per interval and counts the rest", "[log]") {
  LogRateLimiter limiter(std::chrono::hours(1));
  std::uint64_t suppressed = 99;
  CHECK(limiter.allow(suppressed));
  CHECK(suppressed == 0);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.allow(suppressed));
  LogRateLimiter fast(std::chrono::milliseconds(0));
  CHECK(fast.allow(suppressed));
  CHECK(fast.allow(suppressed));
}

TEST_CASE("log lines are valid UTF-8 whatever the bytes of a field", "[log]") {
  Logger logger;
  std::string line = logger.render(LogLevel::warn, "bad \xff", {{"path", "logs/\xff\xfe.log"}});
  CHECK(line.ends_with(" level=warn msg=\"bad \\\\xff\" path=\"logs/\\\\xff\\\\xfe.log\"\n"));
  logger.configure(LogLevel::info, LogFormat::json);
  line = logger.render(LogLevel::warn, "auth failed", {{"user", "\xc3("}});
  CHECK(line.ends_with(",\"msg\":\"auth failed\",\"user\":\"\\\\xc3(\"}\n"));
}
