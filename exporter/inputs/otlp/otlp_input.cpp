#include "otlp_input.hpp"

#include <array>
#include <boost/asio/ip/address.hpp>
#include <stdexcept>

#include "../listen_endpoint.hpp"
#include "cos_exporter/common/log.hpp"
#include "otlp_metrics.hpp"
#include "otlp_session.hpp"

namespace cos_exporter {

namespace asio = boost::asio;
using asio::ip::tcp;

OtlpInput::OtlpInput(asio::io_context& io, OtlpInputConfig config, CountingHub& hub,
                     std::size_t max_line_bytes)
    : io_(io),
      hub_(hub),
      config_(std::move(config)),
      acceptor_(io),
      processor_(make_line_parser(config_, max_line_bytes),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      handler_(processor_, hub, config_.max_body_bytes) {
  resolve_answer_cells();
}

namespace {
constexpr std::array<unsigned, OtlpInput::kAnswerKinds> kStatuses = {200, 400, 404, 405,
                                                                     413, 415, 503};
}

void OtlpInput::resolve_answer_cells() {
  // Every answer's series exists from the start, at 0.
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    answer_cells_[i] = &hub_.store()
                            .counter(metric::kOtlpRequestsFamily)
                            .series({config_.name, std::to_string(kStatuses[i])});
}

OtlpInput::~OtlpInput() = default;

void OtlpInput::start() {
  listen_on(io_, acceptor_, config_.name, "otlp", config_.listen);
  stopped_ = false;
  log_info("input listening", {{"input", config_.name}, {"kind", "otlp"}, {"address", address()}});
  accept();
}

void OtlpInput::accept() {
  acceptor_.async_accept([self = std::static_pointer_cast<OtlpInput>(shared_from_this())](
                             boost::system::error_code ec, tcp::socket socket) {
    if (self->stopped_ || !self->acceptor_.is_open()) return;
    if (!ec) {
      bool refused = self->sessions_.size() >= self->config_.max_connections;
      std::make_shared<otlp::Session>(std::move(socket), self, refused)->run();
    }
    // An accept error (EMFILE and the like) is the one connection's: go on.
    self->accept();
  });
}

void OtlpInput::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  // Each session's handler runs later and lets go of this input.
  for (otlp::Session* session : std::set<otlp::Session*>(sessions_)) session->close();
}

std::string OtlpInput::address() const {
  boost::system::error_code ec;
  auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? config_.listen : endpoint_text(endpoint);
}

InputStatus OtlpInput::status() const {
  return {config_.name,
          "otlp",
          address(),
          acceptor_.is_open() ? "listening, " + std::to_string(sessions_.size()) + " connections"
                              : "stopped",
          processor_.counters().received->value(),
          processor_.counters().malformed_total()};
}

void OtlpInput::answered(unsigned status) noexcept {
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    if (kStatuses[i] == status) return answer_cells_[i]->add(1);
}

void OtlpInput::reconfigure(InputConfig const& settings, LineParser parser,
                            InputContext const& context) {
  config_ = std::get<OtlpInputConfig>(settings);
  handler_.set_max_body_bytes(config_.max_body_bytes);
  processor_.reconfigure(std::move(parser), InputCounters(context.hub.store(), config_.name),
                         config_.sdk);
  resolve_answer_cells();
}

}  // namespace cos_exporter
