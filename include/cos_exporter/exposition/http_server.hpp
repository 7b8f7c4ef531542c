#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cos_exporter/exposition/web_config.hpp"

namespace boost::asio {
class io_context;
}

namespace cos_exporter {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...; a HEAD request arrives as "GET" (see below)
  std::string target;  // as sent: path and query, e.g. "/metrics?x=1"
  std::string accept_encoding;
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
  bool compressible = false;  // gzip it when the request's Accept-Encoding allows gzip
};

using HttpHandler = std::function<HttpResponse(HttpRequest const&)>;
// Sends the response to a request; call it once, on the io_context's thread.
using HttpResponder = std::function<void(HttpResponse)>;
// A handler that may answer later, once work done off the loop is finished.
using AsyncHttpHandler = std::function<void(HttpRequest const&, HttpResponder)>;

// Resource bounds of the server; the defaults suit a Prometheus exporter.
struct HttpServerLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  // A connection that sends nothing (or too little of a request) for this
  // long is closed; also the idle keep-alive timeout and the write timeout.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds tls_handshake_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 512;  // beyond it new connections are closed at once
  // Basic-auth checks that need bcrypt run on one worker thread, off the
  // event loop; beyond this many waiting, requests get 503.
  std::size_t max_pending_auth = 32;
  std::size_t min_gzip_bytes = 256;  // smaller compressible bodies are sent as they are
};

// HTTP/1.1 server (Boost.Beast) on the daemon's io_context: keep-alive,
// bounded requests, timeouts, gzip, and with a web config TLS (mutual TLS
// included), extra headers and basic auth.
//
// Threading: the io_context must be run by one thread; the handler is called
// on it. Call start(), stop() and local_address() on that thread, or while
// the loop is not running. bcrypt, when basic auth needs it, runs on a worker
// thread owned by the server, and the request continues on the loop.
//
// HEAD is answered as GET without the body (the handler sees "GET"). Every
// response carries Content-Length; a compressible one also `Vary:
// Accept-Encoding`, and `Content-Encoding: gzip` when it was gzipped.
// Unauthenticated requests get 401 with `WWW-Authenticate: Basic
// realm="cos_error_exporter"` and never reach the handler. A handler that
// throws yields 500. Plain HTTP sent to a TLS port gets a 400 saying so and
// is closed; it never reaches the handler.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, std::string const& listen_address,
             std::optional<WebConfig> web_config, HttpHandler handler,
             HttpServerLimits limits = {});
  // The connection waits, reading nothing more, until `handler` responds.
  HttpServer(boost::asio::io_context& io, std::string const& listen_address,
             std::optional<WebConfig> web_config, AsyncHttpHandler handler,
             HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(HttpServer const&) = delete;
  HttpServer& operator=(HttpServer const&) = delete;

  // Binds and listens ("host:port", ":port" for every interface, port 0 for
  // any free one). Throws std::runtime_error naming the address on a bad
  // address, a port in use, or a TLS setup failure.
  void start();
  // "127.0.0.1:43125", "[::1]:43125", "[::]:9742": the address really bound.
  std::string local_address() const;
  bool tls() const;
  // For a reload: builds what `web_config` needs (TLS context, password
  // checks) and returns what puts it in force. Throws, changing nothing,
  // when it cannot be used; the returned function does not throw. New
  // connections get the new settings; open ones keep theirs. It may run on
  // any thread (it reads certificate files); call what it returns on the
  // loop's thread.
  std::function<void()> prepare_web_config(std::optional<WebConfig> web_config);
  // Closes the acceptor and every open connection. Idempotent.
  void stop();

  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cos_exporter
