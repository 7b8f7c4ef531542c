#include "cos_exporter/common/log.hpp"

#include <cstdio>
#include <ctime>

#include "cos_exporter/common/json_string.hpp"
#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char buffer[40];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03ldZ", now.tv_nsec / 1000000);
  return buffer;
}

// Invalid UTF-8 is quoted so that append_json_string writes it as \xNN.
bool needs_quotes(std::string_view value) {
  if (value.empty() || !is_valid_utf8(value)) return true;
  for (unsigned char c : value)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  return false;
}

void append_logfmt(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += '=';
  if (needs_quotes(value))
    append_json_string(out, value);
  else
    out += value;
}

void append_json(std::string& out, std::string_view key, std::string_view value) {
  out += out.size() > 1 ? "," : "";
  append_json_string(out, key);
  out += ':';
  append_json_string(out, value);
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel& out) {
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == level_name(level)) {
      out = level;
      return true;
    }
  }
  return false;
}

bool parse_log_format(std::string_view text, LogFormat& out) {
  if (text == "logfmt")
    out = LogFormat::logfmt;
  else if (text == "json")
    out = LogFormat::json;
  else
    return false;
  return true;
}

Logger& Logger::global() {
  static Logger logger;
  return logger;
}

void Logger::configure(LogLevel level, LogFormat format) {
  level_.store(level);
  format_.store(format);
}

std::string Logger::render(LogLevel level, std::string_view message,
                           std::initializer_list<LogField> fields) const {
  std::string line;
  if (format_.load(std::memory_order_relaxed) == LogFormat::json) {
    line = "{";
    append_json(line, "ts", timestamp());
    append_json(line, "level", level_name(level));
    append_json(line, "msg", message);
    for (auto const& [key, value] : fields) append_json(line, key, value);
    line += "}";
  } else {
    append_logfmt(line, "ts", timestamp());
    append_logfmt(line, "level", level_name(level));
    append_logfmt(line, "msg", message);
    for (auto const& [key, value] : fields) append_logfmt(line, key, value);
  }
  line += '\n';
  return line;
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line = render(level, message, fields);
  std::lock_guard lock(write_mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

bool LogRateLimiter::allow(std::uint64_t& suppressed) noexcept {
  auto now = std::chrono::steady_clock::now();
  if (now < next_) {
    ++suppressed_;
    return false;
  }
  next_ = now + interval_;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace cos_exporter
