#include "tcp_input.hpp"

#include <openssl/ssl.h>

#include <stdexcept>
#include <vector>

#include "cos_exporter/common/log.hpp"
#include "listen_endpoint.hpp"
#include "tcp_connection.hpp"

namespace cos_exporter {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

TcpInput::TcpInput(asio::io_context& io, TcpInputConfig config, CountingHub& hub,
                   std::size_t max_line_bytes, TlsContextMaker make_tls)
    : io_(io),
      config_(std::move(config)),
      max_line_bytes_(max_line_bytes),
      make_tls_(std::move(make_tls)),
      acceptor_(io),
      accept_retry_(io),
      processor_(make_line_parser(config_, max_line_bytes),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      counters_(hub.store(), config_.name) {}

std::string TcpInput::address() const {
  error_code ec;
  auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? config_.listen : endpoint_text(endpoint);
}

void TcpInput::start() {
  if (config_.tls) {
    if (!make_tls_)
      throw std::runtime_error("input " + config_.name + ": tls is not available here");
    try {
      std::shared_ptr<ssl_ctx_st> native = make_tls_(*config_.tls);
      SSL_CTX_up_ref(native.get());  // asio's context owns one reference
      tls_ = std::make_shared<asio::ssl::context>(native.get());
    } catch (std::exception const& e) {
      throw std::runtime_error("input " + config_.name + ": tls: " + e.what());
    }
  }
  listen_on(io_, acceptor_, config_.name, "tcp", config_.listen);
  log_info("input listening", {{"input", config_.name},
                               {"kind", "tcp"},
                               {"address", address()},
                               {"framing", std::string(to_string(config_.framing))},
                               {"tls", std::string(config_.tls ? "on" : "off")}});
  accept_next();
}

void TcpInput::accept_next() {
  acceptor_.async_accept(
      [self = std::static_pointer_cast<TcpInput>(shared_from_this())](
          error_code ec, tcp::socket socket) { self->on_accept(ec, std::move(socket)); });
}

void TcpInput::on_accept(error_code ec, tcp::socket socket) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors and the like: wait a little rather than spin.
    std::uint64_t suppressed = 0;
    if (accept_error_log_.allow(suppressed))
      log_warn("cannot accept a connection; trying again in 100 ms",
               {{"input", config_.name},
                {"error", ec.message()},
                {"suppressed", std::to_string(suppressed)}});
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait(
        [self = std::static_pointer_cast<TcpInput>(shared_from_this())](error_code e) {
          if (!e && !self->stopped_) self->accept_next();
        });
    return;
  }
  error_code peer_ec;
  tcp::endpoint peer = socket.remote_endpoint(peer_ec);
  std::string peer_text = peer_ec ? "unknown" : endpoint_text(peer);
  char const* refused = nullptr;
  if (!config_.allow.empty()) {
    bool allowed = false;
    if (!peer_ec)
      for (auto const& cidr : config_.allow) allowed = allowed || cidr.contains(peer.data());
    if (!allowed) {
      counters_.not_allowed->add(1);
      refused = "not in the allow list";
    }
  }
  if (!refused && connections_.size() >= config_.max_connections) {
    counters_.too_many->add(1);
    refused = "max_connections are open";
  }
  if (refused) {
    std::uint64_t suppressed = 0;
    if (refused_log_.allow(suppressed))
      log_warn("connection refused: closed at once", {{"input", config_.name},
                                                      {"peer", peer_text},
                                                      {"reason", refused},
                                                      {"suppressed", std::to_string(suppressed)}});
    error_code ignored;
    socket.close(ignored);
  } else {
    counters_.accepted->add(1);
    socket.set_option(tcp::no_delay(true), peer_ec);
    auto connection = std::make_shared<TcpConnection>(
        std::static_pointer_cast<TcpInput>(shared_from_this()), std::move(socket), tls_, peer_text);
    connections_.insert(connection);
    counters_.open->set(static_cast<double>(connections_.size()));
    log_debug("connection accepted", {{"input", config_.name}, {"peer", peer_text}});
    connection->start();
  }
  accept_next();
}

void TcpInput::forget(TcpConnection* connection) noexcept {
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->get() == connection) {
      connections_.erase(it);
      break;
    }
  }
  counters_.open->set(static_cast<double>(connections_.size()));
}

void TcpInput::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  std::vector<std::shared_ptr<TcpConnection>> open(connections_.begin(), connections_.end());
  for (auto const& connection : open) connection->drain_and_close();
  log_info(
      "input stopped: listener closed, connections read to the end of what they had sent "
      "and closed",
      {{"input", config_.name}, {"connections", std::to_string(open.size())}});
}

InputStatus TcpInput::status() const {
  return {config_.name,
          "tcp",
          address(),
          "listening, " + std::to_string(connections_.size()) + " connections",
          processor_.counters().received->value(),
          processor_.counters().malformed_total()};
}

void TcpInput::reconfigure(InputConfig const& settings, LineParser parser,
                           InputContext const& context) {
  TcpInputConfig const& next = std::get<TcpInputConfig>(settings);
  auto& store = context.hub.store();
  if (next.name != config_.name) counters_ = TcpCounters(store, next.name);
  processor_.reconfigure(std::move(parser), InputCounters(store, next.name), next.sdk);
  max_line_bytes_ = context.max_line_bytes;
  config_ = next;  // framing, allow, max_connections, idle_timeout: for what comes next
  counters_.open->set(static_cast<double>(connections_.size()));
}

}  // namespace cos_exporter
