#pragma once

#include <functional>
#include <string>

#include "cos_exporter/exposition/http_server.hpp"
#include "cos_exporter/exposition/landing_page.hpp"

namespace cos_exporter {

// The exporter's HTTP endpoints (SPEC §7): /metrics, /, /-/healthy,
// /-/ready and /-/reload, answering from what the daemon hands them.
class WebEndpoints {
 public:
  // How a reload ended: `error` is empty when `ok`.
  using ReloadDone = std::function<void(bool ok, std::string const& error)>;

  struct Sources {
    std::function<std::string()> metrics;           // the exposition text
    std::function<LandingPageData()> landing_page;  // what / shows
    std::function<bool()> ready;                    // config loaded, inputs bound
    // As SIGHUP does; calls `done` once, on the loop, when the reload ended.
    std::function<void(ReloadDone done)> reload;
  };

  explicit WebEndpoints(Sources sources) : sources_(std::move(sources)) {}

  // Every answer but /-/reload's is given before handle returns.
  void handle(HttpRequest const& request, HttpResponder respond) const;

 private:
  HttpResponse answer(std::string const& path, HttpRequest const& request) const;

  Sources sources_;
};

}  // namespace cos_exporter
