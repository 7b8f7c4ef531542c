#pragma once

// Internal to the HTTP server: what its listener and its connections share.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "auth_queue.hpp"
#include "basic_auth.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/exposition/http_server.hpp"

namespace cos_exporter::http_detail {

struct ServerState;

// An open connection as the listener sees it: one it may shed when the
// connection cap is reached, if it is idle.
class Connection {
 public:
  explicit Connection(std::shared_ptr<ServerState> state);
  virtual ~Connection();
  Connection(Connection const&) = delete;
  Connection& operator=(Connection const&) = delete;

  // Closes the socket now; handlers still queued find the connection closed.
  virtual void close() = 0;

  // Idle: waiting for a request head (a TLS handshake included), so closing
  // it loses no work. `idle_since` orders idle connections, oldest first.
  bool idle() const { return idle_; }
  std::uint64_t idle_since() const { return idle_since_; }

 protected:
  void set_idle(bool idle);
  // Takes the connection out of the listener's count: it is closed, or
  // handed over to another Connection.
  void forget();

  std::shared_ptr<ServerState> state_;

 private:
  bool idle_ = true;
  std::uint64_t idle_since_ = 0;
};

// Response bodies being sent, each counted once however many connections
// send it, against HttpServerLimits::max_unsent_bytes.
class UnsentBytes {
 public:
  // False when `body` is not already being sent and would take the total
  // over `limit`; else counts it. A body is always sent when nothing else is
  // queued, and a small one (an error, /-/healthy) always.
  bool acquire(std::shared_ptr<std::string const> const& body, std::size_t limit);
  // True when this was the last sender of a body of at least `large` bytes.
  bool release(std::shared_ptr<std::string const> const& body, std::size_t large);
  std::size_t total() const { return total_; }

 private:
  std::unordered_map<std::string const*, std::size_t> senders_;
  std::size_t total_ = 0;
};

// What the acceptor and every connection share. Connections hold it by
// shared_ptr, so it outlives the HttpServer while handlers are queued.
struct ServerState {
  ServerState(boost::asio::io_context& io_context, AsyncHttpHandler handler_function,
              HttpServerLimits server_limits)
      : io(io_context),
        handler(std::move(handler_function)),
        limits(server_limits),
        acceptor(io_context),
        retry_timer(io_context),
        trim_timer(io_context) {}

  // Gives freed response memory back to the system, at most once a second.
  void trim_memory_soon();

  boost::asio::io_context& io;
  AsyncHttpHandler handler;
  HttpServerLimits limits;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer retry_timer;
  boost::asio::steady_timer trim_timer;
  bool trim_pending = false;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  // Replaced whole by a web-config reload; a connection keeps the ones it
  // started with.
  std::shared_ptr<boost::asio::ssl::context> ssl_context;  // null: plain HTTP
  std::shared_ptr<BasicAuthenticator> authenticator;       // null: no authentication
  std::unique_ptr<AuthQueue> auth_queue;                   // runs bcrypt
  std::unordered_set<Connection*> connections;
  std::uint64_t idle_sequence = 0;
  UnsentBytes unsent;
  HttpServerStats stats;
  bool stopped = false;
  LogRateLimiter handshake_log;
  LogRateLimiter accept_log;
  LogRateLimiter auth_log;
  LogRateLimiter shed_log;
};

// Logs one occurrence of a noisy event through a rate limiter, with the
// number held back since the last line.
template <class LogFunction>
void log_limited(LogRateLimiter& limiter, LogFunction log, std::string_view message,
                 std::string_view key1, std::string value1, std::string_view key2,
                 std::string value2) {
  std::uint64_t suppressed = 0;
  if (!limiter.allow(suppressed)) return;
  log(message, {{key1, std::move(value1)},
                {key2, std::move(value2)},
                {"suppressed", std::to_string(suppressed)}});
}

std::string format_endpoint(boost::asio::ip::tcp::endpoint const& endpoint);

// Serves an accepted connection: TLS (after checking the client speaks it)
// when the state has an ssl context, else plain HTTP.
void start_connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                      std::string remote);

}  // namespace cos_exporter::http_detail
