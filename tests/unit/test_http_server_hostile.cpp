// The HTTP server against clients that hold connections, do not read, flood
// it with wrong passwords or frame requests ambiguously.

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "http_test_client.hpp"

using namespace cos_exporter;
using namespace cos_exporter::testing;

namespace {

constexpr int kTinyReceiveBuffer = 4096;

// A client that asks for `target` and never reads the answer; returns once
// the handler has run for it.
std::unique_ptr<Client> stalled_reader(TestServer& server, std::string const& target) {
  std::size_t before = server.recorder.count();
  auto client = std::make_unique<Client>(server.port, nullptr, kTinyReceiveBuffer);
  REQUIRE(client->send(get_request(target)));
  REQUIRE(eventually([&] { return server.recorder.count() > before; }));
  return client;
}

}  // namespace

TEST_CASE("At the connection limit the oldest idle connection makes room for a scrape",
          "[http][hostile]") {
  HttpServerLimits limits;
  limits.max_connections = 3;
  TestServer server(std::nullopt, limits);
  auto busy = stalled_reader(server, "/big");
  Client oldest(server.port);
  REQUIRE(oldest.send("GET /small HTTP/1.1\r\nHost:"));  // and then nothing
  Client silent(server.port);
  REQUIRE(silent.connected());

  Reply scrape = fetch_ok(server.port, get_request("/small"));
  CHECK(scrape.status == 200);
  CHECK(oldest.closed_by_server());
  REQUIRE(silent.send(get_request("/small")));
  CHECK(must(silent.read_reply()).status == 200);
  CHECK(server.stats().shed_idle_at_limit == 1);
  CHECK(server.stats().refused_at_limit == 0);
}

TEST_CASE("At the connection limit with every connection busy the new one is closed",
          "[http][hostile]") {
  HttpServerLimits limits;
  limits.max_connections = 1;
  TestServer server(std::nullopt, limits);
  auto busy = stalled_reader(server, "/big");
  Client late(server.port);
  CHECK(late.closed_by_server());
  CHECK(server.stats().refused_at_limit == 1);
  CHECK(server.stats().shed_idle_at_limit == 0);
}

TEST_CASE("A connection without a request head is closed long before one being served",
          "[http][hostile]") {
  HttpServerLimits limits;
  limits.request_head_timeout = std::chrono::milliseconds(300);
  limits.read_timeout = std::chrono::seconds(30);
  TestServer server(std::nullopt, limits);
  Client served(server.port);
  REQUIRE(served.send(get_request("/small")));
  REQUIRE(served.read_reply());
  Client silent(server.port);
  Client slow(server.port);
  REQUIRE(slow.send("GET /small HTTP/1.1\r\n"));

  CHECK(silent.closed_by_server());
  CHECK(slow.closed_by_server());
  REQUIRE(served.send(get_request("/small")));  // its keep-alive wait is the longer one
  CHECK(must(served.read_reply()).status == 200);
  CHECK(server.stats().request_head_timeouts == 2);
}

TEST_CASE("Unsent response bytes are bounded; what is over gets 503, small answers pass",
          "[http][hostile]") {
  HttpServerLimits limits;
  limits.max_unsent_bytes = 1 << 20;
  TestServer server(std::nullopt, limits);
  auto first = stalled_reader(server, "/big");  // alone: sent even though over the limit

  Client second(server.port, nullptr, kTinyReceiveBuffer);
  REQUIRE(second.send(get_request("/big")));
  Reply refused = must(second.read_reply());
  CHECK(refused.status == 503);
  CHECK(refused.header("retry-after") == "1");
  CHECK(second.closed_by_server());
  CHECK(fetch_ok(server.port, get_request("/small")).status == 200);

  HttpServerStats stats = server.stats();
  CHECK(stats.refused_unsent_bytes == 1);
  CHECK(stats.unsent_bytes >= (16u << 20));
  first.reset();  // the slow reader leaves: its response is freed
  CHECK(eventually([&] { return server.stats().unsent_bytes == 0; }));
}

TEST_CASE("Slow readers of one shared page hold one copy of it", "[http][hostile]") {
  HttpServerLimits limits;
  limits.max_unsent_bytes = 20 << 20;  // room for one 16 MiB page, not two
  TestServer server(std::nullopt, limits);
  std::vector<std::unique_ptr<Client>> readers;
  for (int i = 0; i < 4; ++i) readers.push_back(stalled_reader(server, "/shared"));
  HttpServerStats stats = server.stats();
  CHECK(stats.refused_unsent_bytes == 0);
  CHECK(stats.unsent_bytes == (16u << 20));
  Reply whole = must(readers.front()->read_reply());
  CHECK(whole.status == 200);
  CHECK(whole.body == *server.recorder.shared_page->text());
}

TEST_CASE("A wrong-password flood from one address does not lock out another",
          "[http][hostile][basic_auth]") {
  WebConfig web;
  web.source = "test";
  web.basic_auth_users = {{"prometheus", bcrypt_hash("right", 8)}};  // ~20 ms a check
  HttpServerLimits limits;
  limits.max_pending_auth = 32;
  TestServer server(web, limits);

  std::atomic<bool> flooding{true};
  std::atomic<int> busy_answers{0};
  std::vector<std::thread> attackers;
  for (int i = 0; i < 40; ++i) {
    attackers.emplace_back([&, i] {
      while (flooding) {
        Client client(server.port, "127.0.0.1");
        // A new wrong password each time: remembered failures do not help.
        int attempt = 0;
        auto wrong = [&] {
          return get_request("/small", basic("prometheus:wrong" + std::to_string(i) + "-" +
                                             std::to_string(++attempt)));
        };
        while (flooding && client.send(wrong())) {
          auto reply = client.read_reply();
          if (!reply) break;
          if (reply->status == 503) ++busy_answers;
        }
      }
    });
  }
  // The queue of checks is full: some attempts are being refused.
  REQUIRE(eventually([&] { return busy_answers > 0; }));
  Client scraper(server.port, "127.0.0.2");
  REQUIRE(scraper.send(get_request("/small", basic("prometheus:right"))));
  auto reply = scraper.read_reply();
  flooding = false;
  for (auto& attacker : attackers) attacker.join();
  REQUIRE(reply);
  CHECK(reply->status == 200);
}

TEST_CASE("A request whose body length is unknown gets 400 and the connection closes",
          "[http][hostile]") {
  TestServer server;
  std::string const smuggled = "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  for (std::string framing :
       {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: identity\r\n", "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: identity\r\nContent-Length: 5\r\n", "Transfer-Encoding: \r\n"}) {
    INFO(framing);
    expect_rejected(server.port,
                    "POST /-/reload HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n" + smuggled, 400);
  }
  CHECK(server.recorder.count() == 0);
  CHECK(server.stats().refused_transfer_encoding >= 5);

  Reply chunked = fetch_ok(server.port,
                           "POST /-/reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                           "\r\n3\r\nabc\r\n0\r\n\r\n");
  CHECK(chunked.status == 200);
  CHECK(chunked.body == "reloaded:abc");
}
