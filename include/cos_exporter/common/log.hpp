#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace cos_exporter {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };
enum class LogFormat { logfmt, json };

bool parse_log_level(std::string_view text, LogLevel& out);
bool parse_log_format(std::string_view text, LogFormat& out);

using LogField = std::pair<std::string_view, std::string>;

// Structured logs on stderr, one line per call:
//   ts=2026-11-28T18:00:00.000Z level=info msg="listening" input=udp address=127.0.0.1:9742
// or the same keys as one JSON object per line.
class Logger {
 public:
  static Logger& global();

  void configure(LogLevel level, LogFormat format);
  bool enabled(LogLevel level) const { return level >= level_.load(std::memory_order_relaxed); }
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

  // Renders a line without writing it (for tests).
  std::string render(LogLevel level, std::string_view message,
                     std::initializer_list<LogField> fields) const;

 private:
  std::atomic<LogLevel> level_{LogLevel::info};
  std::atomic<LogFormat> format_{LogFormat::logfmt};
  std::mutex write_mutex_;
};

inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) {
  if (Logger::global().enabled(LogLevel::debug)) Logger::global().log(LogLevel::debug, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) {
  Logger::global().log(LogLevel::info, m, f);
}
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) {
  Logger::global().log(LogLevel::warn, m, f);
}
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) {
  Logger::global().log(LogLevel::error, m, f);
}

// Lets a noisy event (a storm of malformed input) reach the log at most once
// per interval; the next line that gets through says how many were held back.
class LogRateLimiter {
 public:
  explicit LogRateLimiter(std::chrono::milliseconds interval = std::chrono::seconds(10))
      : interval_(interval) {}

  // True when this occurrence may be logged; `suppressed` is then the number
  // of occurrences held back since the last one logged.
  bool allow(std::uint64_t& suppressed) noexcept;

 private:
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point next_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace cos_exporter
