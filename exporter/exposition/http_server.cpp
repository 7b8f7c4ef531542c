#include "cos_exporter/exposition/http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "cos_exporter/config/listen_address.hpp"
#include "cos_exporter/daemon/log.hpp"
#include "cos_exporter/exposition/basic_auth.hpp"
#include "cos_exporter/exposition/gzip.hpp"

namespace cos_exporter {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr char kRealmHeader[] = "Basic realm=\"cos_error_exporter\"";
constexpr char kPlainToTlsResponse[] =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Connection: close\r\n"
    "Content-Length: 48\r\n"
    "\r\n"
    "Client sent an HTTP request to an HTTPS server.\n";

std::string_view to_std(beast::string_view text) {
  return {text.data(), text.size()};
}

std::string format_endpoint(tcp::endpoint const& endpoint) {
  auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

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

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
};

// What the acceptor and every connection share. Connections hold it by
// shared_ptr, so it outlives the HttpServer while handlers are queued.
struct ServerState {
  ServerState(asio::io_context& io_context, AsyncHttpHandler handler_function,
              HttpServerLimits server_limits)
      : io(io_context),
        handler(std::move(handler_function)),
        limits(server_limits),
        acceptor(io_context),
        retry_timer(io_context) {}

  asio::io_context& io;
  AsyncHttpHandler handler;
  HttpServerLimits limits;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  // Replaced whole by a web-config reload; a connection keeps the ones it
  // started with.
  std::shared_ptr<ssl::context> ssl_context;          // null: plain HTTP
  std::shared_ptr<BasicAuthenticator> authenticator;  // null: no authentication
  std::unique_ptr<asio::thread_pool> auth_pool;       // runs bcrypt
  std::size_t pending_auth = 0;
  std::unordered_set<Connection*> connections;
  bool stopped = false;
  LogRateLimiter handshake_log;
  LogRateLimiter accept_log;
  LogRateLimiter auth_log;
};

bool is_parse_error(error_code const& ec) {
  static auto const& category = make_error_code(http::error::bad_method).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One HTTP/1.1 connection: [TLS handshake,] then read a request, answer it,
// and read the next while the client keeps the connection alive.
template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, beast::flat_buffer buffer, std::shared_ptr<ServerState> state,
          std::string remote)
      : stream_(std::move(stream)),
        buffer_(std::move(buffer)),
        state_(std::move(state)),
        remote_(std::move(remote)) {
    state_->connections.insert(this);
  }
  ~Session() override { state_->connections.erase(this); }

  void run() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(state_->limits.tls_handshake_timeout);
      stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                              [self = this->shared_from_this()](error_code ec, std::size_t used) {
                                self->on_handshake(ec, used);
                              });
    } else {
      read();
    }
  }

  void close() override {
    closed_ = true;
    beast::get_lowest_layer(stream_).close();
  }

 private:
  void on_handshake(error_code ec, std::size_t used) {
    if (ec) {
      if (!closed_)
        log_limited(state_->handshake_log, log_debug, "TLS handshake failed", "remote", remote_,
                    "err", ec.message());
      return close();
    }
    buffer_.consume(used);
    read();
  }

  void read() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(state_->limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(state_->limits.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (closed_) return;
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::body_limit) return reject(413, "request body too large\n");
    if (ec == http::error::header_limit) return reject(431, "request header too large\n");
    if (is_parse_error(ec)) return reject(400, "bad request\n");
    if (ec) return close();  // timeout, reset, a truncated request, a TLS error
    request_ = parser_->release();
    authenticate();
  }

  void authenticate() {
    std::shared_ptr<BasicAuthenticator> authenticator = state_->authenticator;
    if (authenticator == nullptr) return serve();
    auto credentials = parse_basic_authorization(to_std(request_[http::field::authorization]));
    if (!credentials) return unauthorized();
    if (authenticator->check_cached(*credentials)) return serve();
    if (state_->pending_auth >= state_->limits.max_pending_auth) {
      HttpResponse busy{503, "text/plain; charset=utf-8", "too many authentication checks\n", {}};
      busy.headers.emplace_back("Retry-After", "1");
      return send(std::move(busy), false);
    }
    // bcrypt takes tens of milliseconds: run it off the loop, come back to it.
    ++state_->pending_auth;
    asio::post(*state_->auth_pool, [self = this->shared_from_this(), authenticator,
                                    credentials = std::move(*credentials),
                                    guard = asio::make_work_guard(state_->io)]() mutable {
      bool ok = authenticator->verify(credentials);
      std::string user = std::move(credentials.user);
      asio::io_context& io = self->state_->io;  // before `self` is moved away
      asio::post(io, [self = std::move(self), ok, user = std::move(user),
                      guard = std::move(guard)]() mutable {
        --self->state_->pending_auth;
        if (self->closed_) return;
        if (ok) return self->serve();
        log_limited(self->state_->auth_log, log_warn, "HTTP basic authentication failed", "remote",
                    self->remote_, "user", user);
        self->unauthorized();
      });
    });
  }

  void unauthorized() {
    HttpResponse response{401, "text/plain; charset=utf-8", "Unauthorized\n", {}};
    response.headers.emplace_back("WWW-Authenticate", kRealmHeader);
    send(std::move(response), request_.keep_alive());
  }

  void serve() {
    HttpRequest request;
    bool head = request_.method() == http::verb::head;
    request.method = head ? std::string("GET") : std::string(to_std(request_.method_string()));
    request.target = std::string(to_std(request_.target()));
    request.accept_encoding = std::string(to_std(request_[http::field::accept_encoding]));
    request.body = std::move(request_.body());
    // Only the first answer counts: one given before the handler throws wins
    // over the 500.
    auto answered = std::make_shared<bool>(false);
    HttpResponder respond = [self = this->shared_from_this(), answered, head,
                             gzip_ok =
                                 accepts_gzip(request.accept_encoding)](HttpResponse response) {
      if (std::exchange(*answered, true) || self->closed_) return;
      bool gzip = gzip_ok && response.compressible &&
                  response.body.size() >= self->state_->limits.min_gzip_bytes;
      self->send(std::move(response), self->request_.keep_alive(), gzip, head);
    };
    std::string error;
    try {
      state_->handler(request, respond);
    } catch (std::exception const& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    if (!error.empty()) {
      log_error("HTTP handler failed", {{"target", request.target}, {"err", error}});
      respond(HttpResponse{500, "text/plain; charset=utf-8", "internal server error\n", {}});
    }
  }

  // Answers a request that could not be read, then closes.
  void reject(unsigned status, std::string body) {
    request_ = {};
    request_.version(11);
    send(HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}}, false);
  }

  void send(HttpResponse response, bool keep_alive, bool gzip = false, bool head = false) {
    if (response.status < 100 || response.status > 999) {
      log_error("HTTP handler returned an invalid status",
                {{"status", std::to_string(response.status)}});
      response = HttpResponse{500, "text/plain; charset=utf-8", "internal server error\n", {}};
      gzip = false;
    }
    response_ = {};
    response_.version(request_.version() == 10 ? 10 : 11);
    response_.result(response.status);
    response_.set(http::field::content_type, response.content_type);
    for (auto const& [name, value] : state_->extra_headers) response_.set(name, value);
    for (auto const& [name, value] : response.headers) response_.insert(name, value);
    if (response.compressible) response_.set(http::field::vary, "Accept-Encoding");
    if (gzip) {
      response.body = gzip_compress(response.body);
      response_.set(http::field::content_encoding, "gzip");
    }
    response_.keep_alive(keep_alive);
    if (head) {
      response_.content_length(response.body.size());
    } else {
      response_.body() = std::move(response.body);
      response_.prepare_payload();
    }
    beast::get_lowest_layer(stream_).expires_after(state_->limits.read_timeout);
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (closed_) return;
    if (ec) return close();
    if (!response_.keep_alive()) return shutdown();
    request_ = {};
    response_ = {};
    read();
  }

  void shutdown() {
    if constexpr (kIsTls<Stream>) {
      // close_notify, bounded: many clients never answer it.
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->close(); });
    } else {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      close();
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerState> state_;
  std::string remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  bool closed_ = false;
};

// On a TLS port: looks at the first bytes. A TLS ClientHello goes on to a TLS
// session; anything else (plain HTTP) gets a 400 and the connection closes.
class Detector : public Connection, public std::enable_shared_from_this<Detector> {
 public:
  Detector(tcp::socket socket, std::shared_ptr<ServerState> state, std::string remote)
      : stream_(std::move(socket)),
        state_(std::move(state)),
        ssl_context_(state_->ssl_context),
        remote_(std::move(remote)) {
    state_->connections.insert(this);
  }
  ~Detector() override { state_->connections.erase(this); }

  void run() {
    stream_.expires_after(state_->limits.tls_handshake_timeout);
    beast::async_detect_ssl(
        stream_, buffer_,
        [self = shared_from_this()](error_code ec, bool is_tls) { self->on_detect(ec, is_tls); });
  }

  void close() override {
    closed_ = true;
    stream_.close();
  }

 private:
  void on_detect(error_code ec, bool is_tls) {
    if (closed_) return;
    if (ec) return close();
    if (is_tls) {
      state_->connections.erase(this);
      auto session =
          std::make_shared<Session<TlsStream>>(TlsStream(std::move(stream_), *ssl_context_),
                                               std::move(buffer_), state_, std::move(remote_));
      closed_ = true;
      session->run();
      return;
    }
    log_limited(state_->handshake_log, log_debug, "plain HTTP request on the TLS port", "remote",
                remote_, "err", "not a TLS handshake");
    asio::async_write(stream_, asio::buffer(kPlainToTlsResponse, sizeof kPlainToTlsResponse - 1),
                      [self = shared_from_this()](error_code, std::size_t) {
                        error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->close();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<ssl::context> ssl_context_;
  std::string remote_;
  bool closed_ = false;
};

void accept_next(std::shared_ptr<ServerState> const& state);

void on_accept(std::shared_ptr<ServerState> const& state, error_code ec, tcp::socket socket) {
  if (state->stopped || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors and the like: wait a little instead of spinning.
    log_limited(state->accept_log, log_warn, "HTTP accept failed", "address",
                format_endpoint(state->acceptor.local_endpoint(ec)), "err", ec.message());
    state->retry_timer.expires_after(std::chrono::milliseconds(100));
    state->retry_timer.async_wait([state](error_code wait_ec) {
      if (!wait_ec) accept_next(state);
    });
    return;
  }
  error_code ignored;
  std::string remote = format_endpoint(socket.remote_endpoint(ignored));
  if (state->connections.size() >= state->limits.max_connections) {
    log_limited(state->accept_log, log_warn, "HTTP connection limit reached, closing connection",
                "remote", remote, "limit", std::to_string(state->limits.max_connections));
    socket.close(ignored);
    return accept_next(state);
  }
  socket.set_option(tcp::no_delay(true), ignored);
  if (state->ssl_context) {
    std::make_shared<Detector>(std::move(socket), state, std::move(remote))->run();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                 beast::flat_buffer(), state, std::move(remote))
        ->run();
  }
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
                       std::optional<WebConfig> web_config, HttpHandler handler,
                       HttpServerLimits limits)
    : HttpServer(
          io, listen_address, std::move(web_config),
          [handler = std::move(handler)](HttpRequest const& request, HttpResponder respond) {
            respond(handler(request));
          },
          limits) {}

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
  if (state.auth_pool) {
    state.auth_pool->stop();
    state.auth_pool->join();
    state.auth_pool.reset();
  }
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
        context =
            std::make_shared<ssl::context>(make_server_ssl_context(*web_config->tls).release());
      } catch (std::exception const& e) {
        throw std::runtime_error("web config " + web_config->source + ": " + e.what());
      }
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
    if (state.authenticator && !state.auth_pool)
      state.auth_pool = std::make_unique<asio::thread_pool>(1);
  };
}

void HttpServer::stop() {
  ServerState& state = *impl_->state;
  if (state.stopped) return;
  state.stopped = true;
  error_code ignored;
  state.acceptor.close(ignored);
  state.retry_timer.cancel();
  std::vector<Connection*> open(state.connections.begin(), state.connections.end());
  for (Connection* connection : open) connection->close();
}

std::size_t HttpServer::open_connections() const {
  return impl_->state->connections.size();
}

}  // namespace cos_exporter
