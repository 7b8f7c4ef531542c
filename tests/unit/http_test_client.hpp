#pragma once

// A plain blocking HTTP client and an HttpServer run by its own thread, for
// the HTTP server tests.

#include <arpa/inet.h>
#include <crypt.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cos_exporter/exposition/http_server.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "test_pki.hpp"
#include "test_support.hpp"

namespace cos_exporter::testing {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(std::string const& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
  bool has(std::string const& name) const { return headers.count(name) != 0; }
};

struct ClientTls {
  std::string cert_file;  // empty: no client certificate
  std::string key_file;
  int max_version = 0;  // 0: library default
};

// A deliberately plain client: blocking socket with 3 s timeouts, OpenSSL
// directly for TLS, HTTP/1.1 parsed by hand (the server always sends
// Content-Length).
class Client {
 public:
  // `source`: the local address to connect from (any 127.x.y.z works on
  // Linux loopback). `receive_buffer`: SO_RCVBUF, 0 for the default; a small
  // one keeps what a client does not read on the server's side.
  explicit Client(std::uint16_t port, char const* source = nullptr, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{3, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  Client(Client const&) = delete;
  Client& operator=(Client const&) = delete;

  bool connected() const { return connected_; }

  bool start_tls(ClientTls const& options = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // the test server is self-signed
    if (options.max_version) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    if (!options.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(ctx_, options.cert_file.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        return false;
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    bool ok = SSL_connect(ssl_) == 1;
    ERR_clear_error();
    return ok;
  }

  bool send(std::string const& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      long n = ssl_ ? SSL_write(ssl_, data.data() + sent, static_cast<int>(data.size() - sent))
                    : ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Up to `size` more bytes into the buffer; false on EOF, error or timeout.
  bool fill() {
    char chunk[16384];
    long n = ssl_ ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  std::optional<Reply> read_reply(bool head = false) {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    std::string head_text = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    Reply reply;
    std::size_t line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
    reply.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      std::size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      std::string line = head_text.substr(start, line_end - start);
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers[name] = value;
    }
    std::size_t length =
        head ? 0
             : std::stoul(reply.header("content-length").empty() ? "0"
                                                                 : reply.header("content-length"));
    while (buffer_.size() < length)
      if (!fill()) return std::nullopt;
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  // True when the server closes the connection (EOF or reset) within 3 s.
  bool closed_by_server() {
    while (true) {
      char chunk[4096];
      long n = ssl_ ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) continue;
      ERR_clear_error();
      if (n == 0) return true;
      return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

  std::string read_all() {
    while (fill()) {
    }
    return buffer_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

inline std::string get_request(std::string const& target, std::string const& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

inline std::string metrics_body() {
  std::string body;
  for (int i = 0; i < 2000; ++i)
    body += "cos_errors_total{category=\"proxy\",code=\"-" + std::to_string(i) +
            "\",name=\"ERROR_PROXY_X\"} " + std::to_string(i * 7) + "\n";
  return body;
}

// The handler the tests serve; records what it saw.
struct Recorder {
  std::mutex mutex;
  std::vector<HttpRequest> requests;
  std::set<std::thread::id> threads;
  std::shared_ptr<SharedBody const> shared_page =
      std::make_shared<SharedBody const>(std::string(16 << 20, 's'));

  HttpResponse handle(HttpRequest const& request) {
    {
      std::lock_guard lock(mutex);
      requests.push_back(request);
      threads.insert(std::this_thread::get_id());
    }
    if (request.target == "/metrics") {
      HttpResponse response;
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = metrics_body();
      response.compressible = true;
      return response;
    }
    if (request.target == "/-/reload") {
      if (request.method != "POST")
        return HttpResponse{405, "text/plain; charset=utf-8", "use POST\n", {{"Allow", "POST"}}};
      return HttpResponse{200, "text/plain; charset=utf-8", "reloaded:" + request.body, {}};
    }
    if (request.target == "/throw") throw std::runtime_error("boom");
    if (request.target == "/big")  // more than the kernel buffers of a client that does not read
      return HttpResponse{200, "text/plain; charset=utf-8", std::string(16 << 20, 'b'), {}};
    if (request.target == "/shared") {
      HttpResponse response;
      response.shared_body = shared_page;
      return response;
    }
    if (request.target == "/small")
      return HttpResponse{200, "text/plain; charset=utf-8", "ok\n", {}, true};
    return HttpResponse{404, "text/plain; charset=utf-8", "not found\n", {}};
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return requests.size();
  }
};

// An HttpServer on 127.0.0.1:0 with its io_context run by a thread.
class TestServer {
 public:
  explicit TestServer(std::optional<WebConfig> web = std::nullopt, HttpServerLimits limits = {},
                      std::string address = "127.0.0.1:0")
      : server_(std::make_unique<HttpServer>(
            io_, address, std::move(web),
            [this](HttpRequest const& request, HttpResponder respond) {
              respond(recorder.handle(request));
            },
            limits)) {
    server_->start();
    std::string local = server_->local_address();
    port = static_cast<std::uint16_t>(std::stoi(local.substr(local.rfind(':') + 1)));
    thread_ = std::thread([this] {
      io_thread = std::this_thread::get_id();
      io_.run();
    });
  }
  ~TestServer() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] { server_->stop(); });
    thread_.join();
  }

  HttpServer& server() { return *server_; }

  // The server's stats, read on its loop.
  HttpServerStats stats() {
    std::promise<HttpServerStats> promise;
    boost::asio::post(io_, [&] { promise.set_value(server_->stats()); });
    return promise.get_future().get();
  }

  Recorder recorder;
  std::uint16_t port = 0;
  std::atomic<std::thread::id> io_thread{};

 private:
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

inline std::optional<Reply> fetch(std::uint16_t port, std::string const& request,
                                  std::optional<ClientTls> tls = std::nullopt) {
  Client client(port);
  if (!client.connected()) return std::nullopt;
  if (tls && !client.start_tls(*tls)) return std::nullopt;
  if (!client.send(request)) return std::nullopt;
  return client.read_reply(request.rfind("HEAD ", 0) == 0);
}

// The reply that must be there.
inline Reply must(std::optional<Reply> reply) {
  REQUIRE(reply);
  return *reply;
}

// fetch() that must get an answer.
inline Reply fetch_ok(std::uint16_t port, std::string const& request,
                      std::optional<ClientTls> tls = std::nullopt) {
  return must(fetch(port, request, std::move(tls)));
}

inline std::string bcrypt_hash(std::string const& password, unsigned long cost = 4) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn("$2b$", cost, nullptr, 0, salt, sizeof salt) != nullptr);
  crypt_data data{};
  char const* hash = crypt_r(password.c_str(), salt, &data);
  REQUIRE(hash != nullptr);
  return hash;
}

inline std::string basic(std::string const& user_password) {
  static char const alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < user_password.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(user_password[i]) << 16) |
                 (static_cast<unsigned char>(user_password[i + 1]) << 8) |
                 static_cast<unsigned char>(user_password[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  std::size_t rest = user_password.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(user_password[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(user_password[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return "Authorization: Basic " + out + "\r\n";
}

inline WebConfig tls_config(TestPki const& pki) {
  WebConfig web;
  web.source = "test";
  TlsServerConfig tls;
  tls.cert_file = pki.file("server.crt");
  tls.key_file = pki.file("server.key");
  web.tls = tls;
  return web;
}

// Sends `request` on a new connection: the answer is `status`, then the server closes.
inline void expect_rejected(std::uint16_t port, std::string const& request, int status) {
  Client client(port);
  REQUIRE(client.send(request));
  Reply reply = must(client.read_reply());
  CHECK(reply.status == status);
  CHECK(client.closed_by_server());
}

}  // namespace cos_exporter::testing
