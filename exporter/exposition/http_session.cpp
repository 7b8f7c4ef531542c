#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <limits>
#include <utility>

#include "basic_auth.hpp"
#include "gzip.hpp"
#include "http_connection.hpp"

namespace cos_exporter::http_detail {
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
// Freeing a body this large may leave memory worth giving back.
constexpr std::size_t kLargeBody = 256 * 1024;

std::string_view to_std(beast::string_view text) {
  return {text.data(), text.size()};
}

bool is_parse_error(error_code const& ec) {
  static auto const& category = make_error_code(http::error::bad_method).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

// A request body ends where its Content-Length or a final `chunked` coding
// says. With any other coding, or both headers, where it ends is unknown,
// and guessing lets the body pass for the next request.
bool body_length_known(http::fields const& fields) {
  auto [first, last] = fields.equal_range(http::field::transfer_encoding);
  if (first == last) return true;
  std::size_t codings = 0;
  bool chunked = true;
  for (auto field = first; field != last; ++field) {
    for (auto coding : http::token_list(field->value())) {
      ++codings;
      chunked = chunked && beast::iequals(coding, "chunked");
    }
  }
  return codings == 1 && chunked && fields.count(http::field::content_length) == 0;
}

HttpResponse text_response(unsigned status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
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
      : Connection(std::move(state)),
        stream_(std::move(stream)),
        buffer_(std::move(buffer)),
        remote_(std::move(remote)) {}
  ~Session() override { release_body(); }

  void run() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(state_->limits.tls_handshake_timeout);
      stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                              [self = this->shared_from_this()](error_code ec, std::size_t used) {
                                self->on_handshake(ec, used);
                              });
    } else {
      read_head();
    }
  }

  void close() override {
    closed_ = true;
    forget();
    beast::get_lowest_layer(stream_).close();
  }

 private:
  void on_handshake(error_code ec, std::size_t used) {
    if (closed_) return;
    if (ec) {
      if (ec == beast::error::timeout) ++state_->stats.request_head_timeouts;
      log_limited(state_->handshake_log, log_debug, "TLS handshake failed", "remote", remote_,
                  "error", ec.message());
      return close();
    }
    buffer_.consume(used);
    read_head();
  }

  void read_head() {
    if (closed_) return;
    set_idle(true);
    parser_.emplace();
    parser_->body_limit(state_->limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
    // A client that has not sent a whole first request head is cut short
    // much sooner than one being served: holding connections open costs an
    // attacker nothing.
    beast::get_lowest_layer(stream_).expires_after(served_ ? state_->limits.read_timeout
                                                           : state_->limits.request_head_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_head(ec); });
  }

  void on_head(error_code ec) {
    if (closed_) return;
    if (ec == beast::error::timeout && !served_) {
      ++state_->stats.request_head_timeouts;
      log_limited(state_->shed_log, log_info, "closing HTTP connection: no request head in time",
                  "remote", remote_, "timeout",
                  std::to_string(state_->limits.request_head_timeout.count()) + "ms");
    }
    if (ec) return on_read(ec);
    set_idle(false);
    served_ = true;
    if (!body_length_known(parser_->get())) {
      ++state_->stats.refused_transfer_encoding;
      return reject(400, "bad request: unsupported Transfer-Encoding\n");
    }
    beast::get_lowest_layer(stream_).expires_after(state_->limits.read_timeout);
    if (parser_->is_done()) return on_read({});
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
    std::string source = remote_.substr(0, remote_.rfind(':'));
    if (authenticator->known_failure(source, *credentials)) {
      log_limited(state_->auth_log, log_warn, "HTTP basic authentication failed again", "remote",
                  remote_, "user", credentials->user);
      return unauthorized();
    }
    std::string user = credentials->user;
    state_->auth_queue->submit(
        source,
        [authenticator, source, credentials = std::move(*credentials)] {
          bool ok = authenticator->verify(credentials);
          if (!ok) authenticator->remember_failure(source, credentials);
          return ok;
        },
        [self = this->shared_from_this(), user = std::move(user)](AuthQueue::Outcome outcome) {
          if (self->closed_) return;
          if (outcome == AuthQueue::Outcome::accepted) return self->serve();
          if (outcome == AuthQueue::Outcome::rejected) {
            log_limited(self->state_->auth_log, log_warn, "HTTP basic authentication failed",
                        "remote", self->remote_, "user", user);
            return self->unauthorized();
          }
          HttpResponse busy = text_response(503, "too many authentication checks\n");
          busy.headers.emplace_back("Retry-After", "1");
          self->send(std::move(busy), false);
        });
  }

  void unauthorized() {
    HttpResponse response = text_response(401, "Unauthorized\n");
    response.headers.emplace_back("WWW-Authenticate", kRealmHeader);
    send(std::move(response), request_.keep_alive());
  }

  void serve() {
    HttpRequest request;
    bool head = request_.method() == http::verb::head;
    request.method = head ? std::string("GET") : std::string(to_std(request_.method_string()));
    request.target = std::string(to_std(request_.target()));
    request.accept_encoding = std::string(to_std(request_[http::field::accept_encoding]));
    request.accept = std::string(to_std(request_[http::field::accept]));
    request.body = std::move(request_.body());
    // Only the first answer counts: one given before the handler throws wins
    // over the 500.
    auto answered = std::make_shared<bool>(false);
    HttpResponder respond = [self = this->shared_from_this(), answered, head,
                             gzip_ok =
                                 accepts_gzip(request.accept_encoding)](HttpResponse response) {
      if (std::exchange(*answered, true) || self->closed_) return;
      std::size_t size =
          response.shared_body ? response.shared_body->text()->size() : response.body.size();
      bool gzip = gzip_ok && response.compressible && size >= self->state_->limits.min_gzip_bytes;
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
      log_error("HTTP handler failed", {{"target", request.target}, {"error", error}});
      respond(text_response(500, "internal server error\n"));
    }
  }

  // Answers a request that could not be read, then closes.
  void reject(unsigned status, std::string body) {
    request_ = {};
    request_.version(11);
    send(text_response(status, std::move(body)), false);
  }

  void send(HttpResponse response, bool keep_alive, bool gzip = false, bool head = false,
            bool may_refuse = true) {
    if (response.status < 100 || response.status > 999) {
      log_error("HTTP handler returned an invalid status",
                {{"status", std::to_string(response.status)}});
      response = text_response(500, "internal server error\n");
      gzip = false;
    }
    std::shared_ptr<std::string const> payload;
    if (response.shared_body) {
      payload = gzip ? response.shared_body->gzipped() : response.shared_body->text();
    } else {
      payload = std::make_shared<std::string const>(gzip ? gzip_compress(response.body)
                                                         : std::move(response.body));
    }
    if (!head) {
      std::size_t limit =
          may_refuse ? state_->limits.max_unsent_bytes : std::numeric_limits<std::size_t>::max();
      if (!state_->unsent.acquire(payload, limit)) return refuse_unsent();
      body_ = payload;
      page_ = response.shared_body;
    }
    response_ = {};
    response_.version(request_.version() == 10 ? 10 : 11);
    response_.result(response.status);
    response_.set(http::field::content_type, response.content_type);
    for (auto const& [name, value] : state_->extra_headers) response_.set(name, value);
    for (auto const& [name, value] : response.headers) response_.insert(name, value);
    if (response.compressible) {
      // A handler's own Vary (Accept, for content negotiation) is kept.
      std::string vary(to_std(response_[http::field::vary]));
      response_.set(http::field::vary,
                    vary.empty() ? "Accept-Encoding" : vary + ", Accept-Encoding");
    }
    if (gzip) response_.set(http::field::content_encoding, "gzip");
    response_.keep_alive(keep_alive);
    if (head) {
      response_.content_length(payload->size());
    } else {
      response_.body() = {payload->data(), payload->size()};
      response_.prepare_payload();
    }
    beast::get_lowest_layer(stream_).expires_after(state_->limits.read_timeout);
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void refuse_unsent() {
    ++state_->stats.refused_unsent_bytes;
    log_limited(state_->shed_log, log_warn,
                "HTTP response refused: too many unsent response bytes, closing connection",
                "remote", remote_, "limit", std::to_string(state_->limits.max_unsent_bytes));
    HttpResponse busy = text_response(503, "too many responses waiting for slow clients\n");
    busy.headers.emplace_back("Retry-After", "1");
    send(std::move(busy), false, false, false, false);
  }

  void release_body() {
    if (body_ && state_->unsent.release(body_, kLargeBody)) state_->trim_memory_soon();
    body_.reset();
    page_.reset();
  }

  void on_write(error_code ec) {
    release_body();
    if (closed_) return;
    if (ec) return close();
    if (!response_.keep_alive()) return shutdown();
    request_ = {};
    response_ = {};
    read_head();
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
  std::string remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::span_body<char const>> response_;
  std::shared_ptr<std::string const> body_;  // what response_ sends, counted in unsent bytes
  std::shared_ptr<SharedBody const> page_;   // while sent, other scrapers may share it
  bool served_ = false;                      // a request head has arrived
  bool closed_ = false;
};

// On a TLS port: looks at the first bytes. A TLS ClientHello goes on to a TLS
// session; anything else (plain HTTP) gets a 400 and the connection closes.
class Detector : public Connection, public std::enable_shared_from_this<Detector> {
 public:
  Detector(tcp::socket socket, std::shared_ptr<ServerState> state, std::string remote)
      : Connection(std::move(state)),
        stream_(std::move(socket)),
        ssl_context_(state_->ssl_context),
        remote_(std::move(remote)) {}

  void run() {
    stream_.expires_after(state_->limits.tls_handshake_timeout);
    beast::async_detect_ssl(
        stream_, buffer_,
        [self = shared_from_this()](error_code ec, bool is_tls) { self->on_detect(ec, is_tls); });
  }

  void close() override {
    closed_ = true;
    forget();
    stream_.close();
  }

 private:
  void on_detect(error_code ec, bool is_tls) {
    if (closed_) return;
    if (ec == beast::error::timeout) ++state_->stats.request_head_timeouts;
    if (ec) return close();
    if (is_tls) {
      forget();
      closed_ = true;
      auto session =
          std::make_shared<Session<TlsStream>>(TlsStream(std::move(stream_), *ssl_context_),
                                               std::move(buffer_), state_, std::move(remote_));
      session->run();
      return;
    }
    log_limited(state_->handshake_log, log_debug, "plain HTTP request on the TLS port", "remote",
                remote_, "error", "not a TLS handshake");
    set_idle(false);
    asio::async_write(stream_, asio::buffer(kPlainToTlsResponse, sizeof kPlainToTlsResponse - 1),
                      [self = shared_from_this()](error_code, std::size_t) {
                        error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->close();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ssl::context> ssl_context_;
  std::string remote_;
  bool closed_ = false;
};

}  // namespace

void start_connection(tcp::socket socket, std::shared_ptr<ServerState> state, std::string remote) {
  if (state->ssl_context) {
    std::make_shared<Detector>(std::move(socket), std::move(state), std::move(remote))->run();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                 beast::flat_buffer(), std::move(state),
                                                 std::move(remote))
        ->run();
  }
}

}  // namespace cos_exporter::http_detail
