#include <catch2/catch.hpp>
#include <optional>
#include <utility>

#include "cos_exporter/exposition/web_endpoints.hpp"

using namespace cos_exporter;

namespace {

struct Fixture {
  bool ready = true;
  bool reload_ok = true;
  int reloads = 0;
  WebEndpoints::ReloadDone pending_reload;  // a reload still running
  WebEndpoints endpoints{
      {[](ExpositionFormat format) {
         return format == ExpositionFormat::text_0_0_4 ? std::string("cos_events_total 1\n")
                                                       : std::string("# EOF\n");
       },
       [] { return LandingPageData{"1.2.3", "abc", "c.yaml", true, {}, {}, {}, {}, 0, {}}; },
       [this] { return ready; },
       [this](WebEndpoints::ReloadDone done) {
         ++reloads;
         pending_reload = std::move(done);
       }}};

  // The response once given; a reload ends at once, as reload_ok says.
  HttpResponse get(std::string target, std::string method = "GET", std::string accept = "") {
    std::optional<HttpResponse> response;
    endpoints.handle(HttpRequest{std::move(method), std::move(target), "", "", std::move(accept)},
                     [&](HttpResponse r) { response = std::move(r); });
    if (pending_reload) {
      CHECK_FALSE(response);
      std::exchange(pending_reload, {})(reload_ok, reload_ok ? "" : "c.yaml:3:5: bad \xff");
    }
    REQUIRE(response);
    return *response;
  }
};

std::string header(HttpResponse const& r, std::string const& name) {
  for (auto const& [key, value] : r.headers)
    if (key == name) return value;
  return "";
}

}  // namespace

TEST_CASE("the endpoints answer with the status, type and body operators expect", "[web]") {
  Fixture f;
  auto metrics = f.get("/metrics?name[]=x");
  CHECK(metrics.status == 200);
  CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
  REQUIRE(metrics.shared_body);
  CHECK(*metrics.shared_body->text() == "cos_events_total 1\n");
  CHECK(metrics.compressible);
  CHECK(header(metrics, "Vary") == "Accept");
  auto page = f.get("/");
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.find("Version 1.2.3 (revision abc)") != std::string::npos);
  CHECK(f.get("/-/healthy").status == 200);
  CHECK(f.get("/-/ready").status == 200);
  f.ready = false;
  CHECK(f.get("/-/ready").status == 503);
  CHECK(f.get("/-/healthy").status == 200);
  CHECK(f.get("/nope").status == 404);
  auto post = f.get("/metrics", "POST");
  CHECK(post.status == 405);
  CHECK(header(post, "Allow") == "GET, HEAD");
}

TEST_CASE("/-/reload takes POST and reports failures", "[web]") {
  Fixture f;
  auto get = f.get("/-/reload");
  CHECK(get.status == 405);
  CHECK(header(get, "Allow") == "POST, PUT");
  CHECK(f.reloads == 0);
  CHECK(f.get("/-/reload", "POST").status == 200);
  CHECK(f.reloads == 1);
  f.reload_ok = false;
  auto failed = f.get("/-/reload", "POST");
  CHECK(failed.status == 500);
  CHECK(failed.body ==
        "Reload failed; the running configuration stays in force: c.yaml:3:5: bad \\xff\n");
}

TEST_CASE("scrapes while a page is still being sent share it", "[web]") {
  int renders = 0;
  auto sources = [&renders] {
    return WebEndpoints::Sources{[&renders](ExpositionFormat) {
                                   return "cos_events_total " + std::to_string(++renders) + "\n";
                                 },
                                 [] { return LandingPageData{}; }, [] { return true; },
                                 [](WebEndpoints::ReloadDone done) { done(true, ""); }};
  };
  auto scrape = [](WebEndpoints const& endpoints) {
    HttpResponse response;
    endpoints.handle(HttpRequest{"GET", "/metrics", "", ""},
                     [&](HttpResponse r) { response = std::move(r); });
    return response;
  };
  WebEndpoints sharing(sources(), std::chrono::hours(1));
  HttpResponse first = scrape(sharing);
  HttpResponse second = scrape(sharing);  // `first` is still held: being sent
  REQUIRE(first.shared_body);
  CHECK(second.shared_body == first.shared_body);
  CHECK(renders == 1);

  WebEndpoints fresh(sources(), std::chrono::milliseconds(0));
  HttpResponse a = scrape(fresh);
  HttpResponse b = scrape(fresh);
  CHECK(a.shared_body != b.shared_body);
  CHECK(*b.shared_body->text() == "cos_events_total 3\n");
}

TEST_CASE("/metrics answers OpenMetrics to a client that asks for it", "[web]") {
  Fixture f;
  auto prometheus = f.get("/metrics", "GET",
                          "application/openmetrics-text;version=1.0.0,application/"
                          "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/"
                          "*;q=0.1");
  CHECK(prometheus.content_type == "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(*prometheus.shared_body->text() == "# EOF\n");
  auto old = f.get("/metrics", "GET", "application/openmetrics-text; version=0.0.1");
  CHECK(old.content_type == "application/openmetrics-text; version=0.0.1; charset=utf-8");
  CHECK(*f.get("/metrics", "GET", "*/*").shared_body->text() == "cos_events_total 1\n");
}
