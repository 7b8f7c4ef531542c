#pragma once

#include <string>

#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/counting/metric_store.hpp"

namespace cos_exporter {

// Why a tcp connection ended (cos_error_exporter_tcp_connections_closed_total).
enum class TcpClose { eof, reset, error, idle_timeout, framing_error, tls_handshake, shutdown };
inline constexpr char const* kTcpCloseReasons[] = {
    "eof", "reset", "error", "idle_timeout", "framing_error", "tls_handshake", "shutdown"};

// A tcp input's connection counters, resolved once (and again on a rename):
// every series exists at 0 from the start.
struct TcpCounters {
  TcpCounters(MetricStore& store, std::string const& input) {
    open = &store.gauge(metric::kTcpConnectionsFamily).series({input});
    accepted = &store.counter(metric::kTcpAcceptedFamily).series({input});
    auto& refused_family = store.counter(metric::kTcpRefusedFamily);
    too_many = &refused_family.series({input, "too_many"});
    not_allowed = &refused_family.series({input, "not_allowed"});
    auto& closed_family = store.counter(metric::kTcpClosedFamily);
    for (std::size_t i = 0; i < std::size(kTcpCloseReasons); ++i)
      closed[i] = &closed_family.series({input, kTcpCloseReasons[i]});
    auto& framing = store.counter(metric::kTcpFramingErrorsFamily);
    bad_length = &framing.series({input, "bad_length"});
    truncated = &framing.series({input, "truncated"});
  }
  CounterCell& closed_by(TcpClose reason) const { return *closed[static_cast<int>(reason)]; }

  GaugeCell* open;
  CounterCell* accepted;
  CounterCell* too_many;
  CounterCell* not_allowed;
  CounterCell* closed[std::size(kTcpCloseReasons)];
  CounterCell* bad_length;
  CounterCell* truncated;
};

}  // namespace cos_exporter
