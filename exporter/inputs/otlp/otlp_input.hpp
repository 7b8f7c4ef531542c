#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <set>
#include <string>

#include "cos_exporter/config/otlp_input_config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/input.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "otlp_handler.hpp"

namespace cos_exporter {

namespace otlp {
class Session;
}

// OTLP/HTTP logs on a listen address of its own: POST /v1/logs, protobuf or
// JSON, gzip or not. Each request is read whole (bounded by max_body_bytes),
// then decoded and counted at once on the io_context's thread, so a 200
// answer means every one of its records is counted. Overloaded means every
// connection it takes (max_connections) is open: one more is answered 503
// with Retry-After and closed.
class OtlpInput final : public Input {
 public:
  OtlpInput(boost::asio::io_context& io, OtlpInputConfig config, CountingHub& hub,
            std::size_t max_line_bytes);
  ~OtlpInput() override;

  void start() override;
  // Closes the listener and every connection: a request not yet answered was
  // not counted, and its sender sends it again.
  void stop() override;
  InputStatus status() const override;
  void reconfigure(InputConfig const& config, LineParser parser,
                   InputContext const& context) override;

  // For the sessions.
  otlp::RequestHandler& handler() { return handler_; }
  OtlpInputConfig const& settings() const { return config_; }
  void answered(unsigned status) noexcept;
  void opened(otlp::Session* session) { sessions_.insert(session); }
  void closed(otlp::Session* session) { sessions_.erase(session); }
  bool stopped() const { return stopped_; }

  // The answers counted in otlp_requests_total, each a series from the start.
  static constexpr std::size_t kAnswerKinds = 7;

 private:
  void accept();
  std::string address() const;
  void resolve_answer_cells();

  boost::asio::io_context& io_;
  CountingHub& hub_;
  OtlpInputConfig config_;
  boost::asio::ip::tcp::acceptor acceptor_;
  LineProcessor processor_;
  otlp::RequestHandler handler_;
  std::set<otlp::Session*> sessions_;
  std::array<CounterCell*, kAnswerKinds> answer_cells_{};
  bool stopped_ = false;
};

}  // namespace cos_exporter
