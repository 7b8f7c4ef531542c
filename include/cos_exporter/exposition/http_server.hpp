#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cos_exporter/exposition/shared_body.hpp"
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
  std::string accept;  // the Accept header, for content negotiation
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
  bool compressible = false;  // gzip it when the request's Accept-Encoding allows gzip
  // When set, sent instead of `body`, without a copy: one rendered page for
  // every connection sending it.
  std::shared_ptr<SharedBody const> shared_body;
};

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
  // A new connection must deliver its first complete request head (after the
  // TLS handshake) within this long, or it is closed.
  std::chrono::milliseconds request_head_timeout = std::chrono::seconds(10);
  // At this many open connections, a new one closes the connection that has
  // waited longest for a request head (never one being served); when every
  // connection is being served, the new one is closed at once.
  std::size_t max_connections = 512;
  // Basic-auth checks that need bcrypt run on one worker thread, off the
  // event loop, one source address at a time in turn. Beyond this many
  // waiting, the source with the most waiting gets 503.
  std::size_t max_pending_auth = 32;
  // Bytes of response bodies not yet sent, counting a page shared by several
  // connections once. A response that would go beyond gets 503 and the
  // connection closes; a body is always sent when nothing else is queued,
  // and one of up to 64 KiB (/-/healthy, errors) always.
  std::size_t max_unsent_bytes = 64 * 1024 * 1024;
  std::size_t min_gzip_bytes = 256;  // smaller compressible bodies are sent as they are
};

// What the server refused or cut short, since it started; see metric_names.hpp.
struct HttpServerStats {
  std::uint64_t shed_idle_at_limit = 0;     // an idle connection closed to make room for a new one
  std::uint64_t refused_at_limit = 0;       // a new connection closed: every open one was busy
  std::uint64_t request_head_timeouts = 0;  // no complete request head in time
  std::uint64_t refused_unsent_bytes = 0;   // 503: max_unsent_bytes reached
  std::uint64_t refused_auth_busy = 0;      // 503: max_pending_auth reached
  std::uint64_t refused_transfer_encoding = 0;  // 400: unusable Transfer-Encoding
  std::size_t unsent_bytes = 0;                 // now
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
// is closed; it never reaches the handler. A request whose Transfer-Encoding
// is anything but a lone `chunked` gets 400 and the connection closes (RFC
// 9112 §6.3): its body's end cannot be known.
class HttpServer {
 public:
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

  // Call on the loop's thread.
  HttpServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cos_exporter
