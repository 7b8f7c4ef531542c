#pragma once

#include <cstdint>
#include <string>

namespace cos_exporter {

// The settings of an `otlp` input of its own (OTLP/HTTP logs, POST /v1/logs).
struct OtlpSettings {
  std::string listen = "127.0.0.1:4318";
  // A request body's bound, gzip-compressed as sent and inflated: past it, 413.
  std::uint64_t max_body_bytes = 4 * 1024 * 1024;
  // Connections open at once; one more is answered 503 with Retry-After.
  std::uint32_t max_connections = 64;
  // A request must arrive whole within it, and an idle connection closes after it.
  std::uint64_t timeout_ms = 30000;
  bool operator==(OtlpSettings const&) const = default;
};

}  // namespace cos_exporter
