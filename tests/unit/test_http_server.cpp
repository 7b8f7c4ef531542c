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
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cos_exporter/exposition/http_server.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "exposition/gzip.hpp"
#include "http_test_client.hpp"

using namespace cos_exporter;
using namespace cos_exporter::testing;

TEST_CASE("HttpServer answers with the handler's responses", "[http]") {
  TestServer server;
  std::string local = server.server().local_address();
  CHECK(local.rfind("127.0.0.1:", 0) == 0);
  CHECK(server.port != 0);
  CHECK_FALSE(server.server().tls());

  auto metrics = fetch_ok(server.port, get_request("/metrics"));
  CHECK(metrics.status == 200);
  CHECK(metrics.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(metrics.body == metrics_body());
  CHECK(metrics.header("content-length") == std::to_string(metrics_body().size()));
  CHECK_FALSE(metrics.has("content-encoding"));
  CHECK(metrics.header("vary") == "Accept-Encoding");

  auto missing = fetch_ok(server.port, get_request("/nope"));
  CHECK(missing.status == 404);
  CHECK(missing.body == "not found\n");

  auto wrong_method = fetch_ok(server.port, get_request("/-/reload"));
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.header("allow") == "POST");

  auto post =
      fetch_ok(server.port, "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(post.status == 200);
  CHECK(post.body == "reloaded:hello");

  auto thrown = fetch_ok(server.port, get_request("/throw"));
  CHECK(thrown.status == 500);

  auto head = fetch_ok(server.port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("content-length") == std::to_string(metrics_body().size()));

  server.stop();
  REQUIRE(server.recorder.threads.size() == 1);
  CHECK(*server.recorder.threads.begin() == server.io_thread.load());
  CHECK(server.recorder.requests.at(5).method == "GET");  // HEAD is served as GET
}

TEST_CASE("HttpServer keeps connections alive and handles pipelining", "[http]") {
  TestServer server;
  Client client(server.port);
  REQUIRE(client.connected());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(client.send(get_request("/small")));
    Reply reply = must(client.read_reply());
    CHECK(reply.status == 200);
    CHECK(reply.body == "ok\n");
  }
  // Two requests in one write: two answers, in order.
  REQUIRE(client.send(get_request("/small") + get_request("/nope")));
  Reply first = must(client.read_reply());
  Reply second = must(client.read_reply());
  CHECK(first.status == 200);
  CHECK(second.status == 404);
  CHECK(server.recorder.count() == 5);

  // Connection: close, and HTTP/1.0 without keep-alive, end the connection.
  REQUIRE(client.send(get_request("/small", "Connection: close\r\n")));
  Reply last = must(client.read_reply());
  CHECK(last.header("connection") == "close");
  CHECK(client.closed_by_server());

  Client old(server.port);
  REQUIRE(old.send("GET /small HTTP/1.0\r\n\r\n"));
  Reply reply = must(old.read_reply());
  CHECK(reply.status == 200);
  CHECK(old.closed_by_server());
}

TEST_CASE("HttpServer gzips compressible responses when the client accepts gzip", "[http]") {
  TestServer server;
  std::string const expected = metrics_body();

  for (std::string accept : {"gzip", "deflate, gzip;q=0.5", "GZIP", "*"}) {
    INFO(accept);
    auto reply =
        fetch_ok(server.port, get_request("/metrics", "Accept-Encoding: " + accept + "\r\n"));
    CHECK(reply.status == 200);
    CHECK(reply.header("content-encoding") == "gzip");
    CHECK(reply.header("vary") == "Accept-Encoding");
    CHECK(reply.header("content-length") == std::to_string(reply.body.size()));
    CHECK(reply.body.size() < expected.size() / 4);
    auto inflated = gzip_decompress(reply.body);
    REQUIRE(inflated);
    CHECK(*inflated == expected);
  }
  for (std::string accept : {"gzip;q=0", "identity", "deflate, br", "*;q=0"}) {
    INFO(accept);
    auto reply =
        fetch_ok(server.port, get_request("/metrics", "Accept-Encoding: " + accept + "\r\n"));
    CHECK_FALSE(reply.has("content-encoding"));
    CHECK(reply.body == expected);
  }
  // Not compressible (or too small to bother): sent as it is.
  auto small = fetch_ok(server.port, get_request("/small", "Accept-Encoding: gzip\r\n"));
  CHECK_FALSE(small.has("content-encoding"));
  CHECK(small.body == "ok\n");
  auto plain = fetch_ok(server.port, get_request("/nope", "Accept-Encoding: gzip\r\n"));
  CHECK_FALSE(plain.has("content-encoding"));
  CHECK_FALSE(plain.has("vary"));
}

TEST_CASE("HttpServer bounds requests and rejects malformed ones", "[http]") {
  HttpServerLimits limits;
  limits.max_body_bytes = 1024;
  limits.max_header_bytes = 2048;
  TestServer server(std::nullopt, limits);

  SECTION("a body over the limit gets 413") {
    expect_rejected(server.port,
                    "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 413);
  }
  SECTION("a body at the limit is fine") {
    auto reply =
        fetch_ok(server.port, "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" +
                                  std::string(1024, 'x'));
    CHECK(reply.status == 200);
  }
  SECTION("a header over the limit gets 431") {
    expect_rejected(server.port, get_request("/small", "X-Big: " + std::string(4000, 'a') + "\r\n"),
                    431);
  }
  SECTION("garbage gets 400 and the connection closes") {
    expect_rejected(server.port, "\x16\x03\x01 this is not HTTP\r\n\r\n", 400);
  }
  CHECK(server.recorder.count() <= 1);
}

TEST_CASE("HttpServer closes connections of slow and idle clients", "[http]") {
  HttpServerLimits limits;
  limits.read_timeout = std::chrono::milliseconds(200);
  limits.request_head_timeout = std::chrono::milliseconds(200);
  TestServer server(std::nullopt, limits);

  auto started = std::chrono::steady_clock::now();
  Client slow(server.port);
  REQUIRE(slow.send("GET /metrics HTTP/1.1\r\nHost:"));  // and then nothing
  Client idle(server.port);
  REQUIRE(idle.send(get_request("/small")));
  REQUIRE(idle.read_reply());
  // Another client is served meanwhile: one stuck connection blocks nobody.
  auto other = fetch_ok(server.port, get_request("/small"));
  CHECK(other.status == 200);

  CHECK(slow.closed_by_server());
  CHECK(idle.closed_by_server());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("HttpServer::start reports bad addresses and ports in use", "[http]") {
  boost::asio::io_context io;
  auto handler = [](HttpRequest const&, HttpResponder respond) { respond(HttpResponse{}); };
  HttpServer first(io, "127.0.0.1:0", std::nullopt, handler);
  first.start();
  std::string taken = first.local_address();

  HttpServer second(io, taken, std::nullopt, handler);
  REQUIRE_THROWS_WITH(second.start(), Catch::StartsWith("cannot listen on " + taken + ": ") &&
                                          Catch::Contains("in use"));

  HttpServer bad(io, "localhost", std::nullopt, handler);
  REQUIRE_THROWS_WITH(bad.start(),
                      "invalid listen address \"localhost\": expected host:port, "
                      "[ipv6]:port or :port");
  HttpServer foreign(io, "192.0.2.1:0", std::nullopt, handler);  // not an address of this host
  REQUIRE_THROWS_WITH(foreign.start(), Catch::StartsWith("cannot listen on 192.0.2.1:0: "));

  HttpServer v6(io, "[::1]:0", std::nullopt, handler);
  try {
    v6.start();
    CHECK(v6.local_address().rfind("[::1]:", 0) == 0);
  } catch (std::runtime_error const& e) {
    WARN("no IPv6 loopback here: " << e.what());
  }

  // ":0": every interface, reachable on loopback.
  TestServer any(std::nullopt, {}, ":0");
  std::string local = any.server().local_address();
  CHECK((local.rfind("[::]:", 0) == 0 || local.rfind("0.0.0.0:", 0) == 0));
  auto reply = fetch_ok(any.port, get_request("/small"));
  CHECK(reply.status == 200);
}

TEST_CASE("HttpServer::stop closes the listener and open connections", "[http]") {
  auto server = std::make_unique<TestServer>();
  std::uint16_t port = server->port;
  Client client(port);
  REQUIRE(client.send(get_request("/small")));
  REQUIRE(client.read_reply());
  server->stop();  // returns only once the io_context ran out of work
  CHECK(client.closed_by_server());
  Client late(port);
  CHECK_FALSE(late.connected());
}

TEST_CASE("HttpServer requires basic auth when the web config has users", "[http][basic_auth]") {
  WebConfig web;
  web.source = "test";
  web.basic_auth_users = {{"prometheus", bcrypt_hash("s3cret:with colon")},
                          {"alice", bcrypt_hash("wonderland")}};
  web.headers = {{"X-Content-Type-Options", "nosniff"}};
  TestServer server(web);

  auto anonymous = fetch_ok(server.port, get_request("/metrics"));
  CHECK(anonymous.status == 401);
  CHECK(anonymous.header("www-authenticate") == "Basic realm=\"cos_error_exporter\"");
  CHECK(anonymous.header("x-content-type-options") == "nosniff");

  for (std::string wrong : {"prometheus:s3cret", "prometheus:", "alice:s3cret:with colon",
                            "mallory:wonderland", ":wonderland"}) {
    INFO(wrong);
    auto reply = fetch_ok(server.port, get_request("/metrics", basic(wrong)));
    CHECK(reply.status == 401);
    CHECK(reply.header("www-authenticate") == "Basic realm=\"cos_error_exporter\"");
  }
  auto garbled = fetch_ok(server.port, get_request("/metrics", "Authorization: Basic !!!\r\n"));
  CHECK(garbled.status == 401);
  auto bearer = fetch_ok(server.port, get_request("/metrics", "Authorization: Bearer abc\r\n"));
  CHECK(bearer.status == 401);
  CHECK(server.recorder.count() == 0);

  // Right credentials, on one keep-alive connection (the first runs bcrypt,
  // the others hit the cache), and again after a wrong attempt.
  Client client(server.port);
  for (std::string credentials : {"prometheus:s3cret:with colon", "prometheus:s3cret:with colon",
                                  "alice:wonderland", "alice:wrong", "alice:wonderland"}) {
    INFO(credentials);
    REQUIRE(client.send(get_request("/small", basic(credentials))));
    Reply reply = must(client.read_reply());
    CHECK(reply.status == (credentials == "alice:wrong" ? 401 : 200));
    CHECK(reply.header("x-content-type-options") == "nosniff");
  }
  CHECK(server.recorder.count() == 4);
}

TEST_CASE("HttpServer serves TLS and refuses plain HTTP on the TLS port", "[http][tls]") {
  TestPki const& pki = shared_pki();
  TestServer server(tls_config(pki));
  CHECK(server.server().tls());

  auto reply =
      fetch_ok(server.port, get_request("/metrics", "Accept-Encoding: gzip\r\n"), ClientTls{});
  CHECK(reply.status == 200);
  auto inflated = gzip_decompress(reply.body);
  REQUIRE(inflated);
  CHECK(*inflated == metrics_body());

  // Keep-alive over TLS.
  Client client(server.port);
  REQUIRE(client.start_tls());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(client.send(get_request("/small")));
    Reply small = must(client.read_reply());
    CHECK(small.body == "ok\n");
  }

  Client plain(server.port);
  REQUIRE(plain.send(get_request("/metrics")));
  std::string answer = plain.read_all();
  CHECK(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(answer.find("Client sent an HTTP request to an HTTPS server.") != std::string::npos);
  CHECK(answer.find("cos_errors_total") == std::string::npos);
  CHECK(server.recorder.count() == 3);
}

TEST_CASE("HttpServer enforces the TLS min_version", "[http][tls]") {
  TestPki const& pki = shared_pki();
  WebConfig web = tls_config(pki);
  web.tls->min_version = TlsVersion::tls13;
  TestServer server(web);

  Client old_client(server.port);
  CHECK_FALSE(old_client.start_tls(ClientTls{"", "", TLS1_2_VERSION}));
  auto reply = fetch_ok(server.port, get_request("/small"), ClientTls{"", "", TLS1_3_VERSION});
  CHECK(reply.status == 200);
  CHECK(server.recorder.count() == 1);
}

TEST_CASE("HttpServer serves the TLS context that validating the web config built",
          "[http][tls][web_config]") {
  TestPki const& pki = shared_pki();
  std::string path = (pki.dir() / "web-built-once.yml").string();
  write_file(path, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  WebConfig web = load_web_config(path);
  REQUIRE(web.tls);
  REQUIRE(web.tls_context);
  // The file allows TLS 1.2; only the context already built refuses it. A
  // server that built its own context again from the file would accept it.
  REQUIRE(SSL_CTX_set_min_proto_version(web.tls_context.get(), TLS1_3_VERSION) == 1);
  TestServer server(web);

  Client old_client(server.port);
  CHECK_FALSE(old_client.start_tls(ClientTls{"", "", TLS1_2_VERSION}));
  auto reply = fetch_ok(server.port, get_request("/small"), ClientTls{"", "", TLS1_3_VERSION});
  CHECK(reply.status == 200);
}

TEST_CASE("HttpServer requires a client certificate signed by client_ca_file for mutual TLS",
          "[http][tls]") {
  TestPki const& pki = shared_pki();
  WebConfig web = tls_config(pki);
  web.tls->client_auth_type = ClientAuthType::require_and_verify_client_cert;
  web.tls->client_ca_file = pki.file("ca.crt");

  ClientTls good{pki.file("client.crt"), pki.file("client.key")};
  ClientTls other{pki.file("other-client.crt"), pki.file("other-client.key")};
  ClientTls rogue{pki.file("rogue.crt"), pki.file("rogue.key")};
  ClientTls none{};

  SECTION("any certificate from the CA") {
    TestServer server(web);
    for (int max_version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
      INFO(max_version);
      good.max_version = rogue.max_version = none.max_version = max_version;
      auto accepted = fetch_ok(server.port, get_request("/small"), good);
      CHECK(accepted.status == 200);
      // TLS 1.3 reports the refusal after the client's handshake completed.
      CHECK_FALSE(fetch(server.port, get_request("/small"), rogue));
      CHECK_FALSE(fetch(server.port, get_request("/small"), none));
    }
    CHECK(fetch(server.port, get_request("/small"), other));
    CHECK(server.recorder.count() == 3);
  }
  SECTION("client_allowed_sans narrows it down") {
    web.tls->client_allowed_sans = {"client.example"};
    TestServer server(web);
    auto accepted = fetch_ok(server.port, get_request("/small"), good);
    CHECK(accepted.status == 200);
    CHECK_FALSE(fetch(server.port, get_request("/small"), other));
    CHECK(server.recorder.count() == 1);
  }
}

TEST_CASE("HttpServer lets an async handler answer later while it serves others", "[http]") {
  boost::asio::io_context io;
  HttpResponder held;
  std::atomic<bool> holding{false};
  HttpServer server(io, "127.0.0.1:0", std::nullopt,
                    [&](HttpRequest const& request, HttpResponder respond) {
                      if (request.target == "/later") {
                        held = std::move(respond);
                        holding = true;
                      } else {
                        respond(HttpResponse{200, "text/plain; charset=utf-8", "now\n", {}});
                      }
                    });
  server.start();
  std::string local = server.local_address();
  auto port = static_cast<std::uint16_t>(std::stoi(local.substr(local.rfind(':') + 1)));
  std::thread thread([&] { io.run(); });

  Client waiting(port);
  REQUIRE(waiting.send(get_request("/later")));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!holding && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(holding);
  // The loop is free: another client is served meanwhile.
  CHECK(fetch_ok(port, get_request("/now")).body == "now\n");

  boost::asio::post(io, [&] {
    held(HttpResponse{200, "text/plain; charset=utf-8", "later\n", {}});
    held(HttpResponse{500, "text/plain; charset=utf-8", "ignored\n", {}});  // only once
  });
  Reply later = must(waiting.read_reply());
  CHECK(later.status == 200);
  CHECK(later.body == "later\n");
  // The connection stays usable.
  REQUIRE(waiting.send(get_request("/now")));
  CHECK(must(waiting.read_reply()).body == "now\n");

  boost::asio::post(io, [&] { server.stop(); });
  thread.join();
}
