#include "cos_exporter/exposition/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <exception>
#include <stdexcept>
#include <utility>

#include "basic_auth.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/config/listen_address.hpp"
#include "cos_exporter/exposition/tls_context.hpp"
#include "http_connection.hpp"

namespace cos_exporter {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using http_detail::format_endpoint;
using http_detail::log_limited;
using http_detail::ServerState;

// Makes room for a new connection at the cap: closes the connection that has
// waited longest for a request head. False when every connection is busy.
bool shed_oldest_idle(ServerState& state, std::string const& newcomer) {
  http_detail::Connection* oldest = nullptr;
  for (auto* connection : state.connections)
    if (connection->idle() &&
        (oldest == nullptr || connection->idle_since() < oldest->idle_since()))
      oldest = connection;
  if (oldest == nullptr) return false;
  oldest->close();
  ++state.stats.shed_idle_at_limit;
  log_limited(state.accept_log, log_warn,
              "HTTP connection limit reached, closed the oldest idle connection", "remote",
              newcomer, "limit", std::to_string(state.limits.max_connections));
  return true;
}

void accept_next(std::shared_ptr<ServerState> const& state);

void on_accept(std::shared_ptr<ServerState> const& state, error_code ec, tcp::socket socket) {
  if (state->stopped || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors and the like: wait a little instead of spinning.
    log_limited(state->accept_log, log_warn, "HTTP accept failed", "address",
                format_endpoint(state->acceptor.local_endpoint(ec)), "error", ec.message());
    state->retry_timer.expires_after(std::chrono::milliseconds(100));
    state->retry_timer.async_wait([state](error_code wait_ec) {
      if (!wait_ec) accept_next(state);
    });
    return;
  }
  error_code ignored;
  std::string remote = format_endpoint(socket.remote_endpoint(ignored));
  if (state->connections.size() >= state->limits.max_connections &&
      !shed_oldest_idle(*state, remote)) {
    ++state->stats.refused_at_limit;
    log_limited(state->accept_log, log_warn,
                "HTTP connection limit reached and every connection busy, closing the new one",
                "remote", remote, "limit", std::to_string(state->limits.max_connections));
    socket.close(ignored);
    return accept_next(state);
  }
  socket.set_option(tcp::no_delay(true), ignored);
  http_detail::start_connection(std::move(socket), state, std::move(remote));
  accept_next(state);
}

void accept_next(std::shared_ptr<ServerState> const& state) {
  if (state->stopped) return;
  state->acceptor.async_accept(
      [state](error_code ec, tcp::socket socket) { on_accept(state, ec, std::move(socket)); });
}

}  // namespace

struct HttpServer::Impl {
  std::string listen_address;
  std::optional<WebConfig> web_config;
  std::shared_ptr<ServerState> state;
  bool started = false;
};

HttpServer::HttpServer(boost::asio::io_context& io, std::string const& listen_address,
                       std::optional<WebConfig> web_config, AsyncHttpHandler handler,
                       HttpServerLimits limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->listen_address = listen_address;
  impl_->web_config = std::move(web_config);
  impl_->state = std::make_shared<ServerState>(io, std::move(handler), limits);
}

HttpServer::~HttpServer() {
  stop();
  ServerState& state = *impl_->state;
  if (state.auth_queue) state.auth_queue->stop();
}

void HttpServer::start() {
  ServerState& state = *impl_->state;
  if (impl_->started) throw std::logic_error("HttpServer::start called twice");
  std::string const& text = impl_->listen_address;
  auto parsed = parse_listen_address(text);
  if (!parsed)
    throw std::runtime_error("invalid listen address \"" + text +
                             "\": expected host:port, [ipv6]:port or :port");

  prepare_web_config(impl_->web_config)();

  std::vector<tcp::endpoint> candidates;
  if (parsed->host.empty()) {
    // Every interface: dual-stack IPv6 when the host has it, else IPv4.
    candidates = {tcp::endpoint(tcp::v6(), parsed->port), tcp::endpoint(tcp::v4(), parsed->port)};
  } else {
    error_code ec;
    auto address = asio::ip::make_address(parsed->host, ec);
    if (!ec) {
      candidates.emplace_back(address, parsed->port);
    } else {
      tcp::resolver resolver(state.io);
      auto results =
          resolver.resolve(parsed->host, std::to_string(parsed->port),
                           tcp::resolver::passive | tcp::resolver::address_configured, ec);
      if (ec)
        throw std::runtime_error("cannot listen on " + text + ": cannot resolve \"" + parsed->host +
                                 "\": " + ec.message());
      for (auto const& entry : results) candidates.push_back(entry.endpoint());
    }
  }

  error_code first_error;
  bool bound = false;
  for (auto const& endpoint : candidates) {
    error_code ec;
    tcp::acceptor& acceptor = state.acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6() && endpoint.address().is_unspecified() &&
        parsed->host.empty())
      acceptor.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) {
      bound = true;
      break;
    }
    error_code ignored;
    acceptor.close(ignored);
    if (!first_error) first_error = ec;
    // A port in use or a forbidden port stays so on the other candidates.
    if (ec == asio::error::address_in_use || ec == asio::error::access_denied) break;
  }
  if (!bound) throw std::runtime_error("cannot listen on " + text + ": " + first_error.message());
  impl_->started = true;
  accept_next(impl_->state);
}

std::string HttpServer::local_address() const {
  error_code ec;
  auto endpoint = impl_->state->acceptor.local_endpoint(ec);
  if (ec) return {};
  return format_endpoint(endpoint);
}

bool HttpServer::tls() const {
  return impl_->state->ssl_context != nullptr;
}

std::function<void()> HttpServer::prepare_web_config(std::optional<WebConfig> web_config) {
  // Everything that can fail happens here, before anything changes.
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<ssl::context> context;
  std::shared_ptr<BasicAuthenticator> authenticator;
  if (web_config) {
    headers = web_config->headers;
    if (web_config->tls) {
      try {
        if (!web_config->tls_context)
          web_config->tls_context = make_server_ssl_context(*web_config->tls);
      } catch (std::exception const& e) {
        throw std::runtime_error("web config " + web_config->source + ": " + e.what());
      }
      // The context validation built is served: asio's context owns one
      // reference, the WebConfig keeps its own.
      SSL_CTX* shared = web_config->tls_context.get();
      SSL_CTX_up_ref(shared);
      context = std::make_shared<ssl::context>(shared);
    }
    if (!web_config->basic_auth_users.empty())
      authenticator = std::make_shared<BasicAuthenticator>(web_config->basic_auth_users);
  }
  return [impl = impl_.get(), web_config = std::move(web_config), headers = std::move(headers),
          context = std::move(context), authenticator = std::move(authenticator)]() mutable {
    ServerState& state = *impl->state;
    impl->web_config = std::move(web_config);
    state.extra_headers = std::move(headers);
    state.ssl_context = std::move(context);
    state.authenticator = std::move(authenticator);
    if (state.authenticator && !state.auth_queue)
      state.auth_queue = std::make_unique<AuthQueue>(state.io, state.limits.max_pending_auth);
  };
}

void HttpServer::stop() {
  ServerState& state = *impl_->state;
  if (state.stopped) return;
  state.stopped = true;
  error_code ignored;
  state.acceptor.close(ignored);
  state.retry_timer.cancel();
  std::vector<http_detail::Connection*> open(state.connections.begin(), state.connections.end());
  for (auto* connection : open) connection->close();
}

HttpServerStats HttpServer::stats() const {
  ServerState const& state = *impl_->state;
  HttpServerStats stats = state.stats;
  if (state.auth_queue) stats.refused_auth_busy = state.auth_queue->refused_busy();
  stats.unsent_bytes = state.unsent.total();
  return stats;
}

}  // namespace cos_exporter
