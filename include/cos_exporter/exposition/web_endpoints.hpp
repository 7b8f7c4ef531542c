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
  struct Sources {
    std::function<std::string()> metrics;            // the exposition text
    std::function<LandingPageData()> landing_page;   // what / shows
    std::function<bool()> ready;                     // config loaded, inputs bound
    std::function<bool(std::string& error)> reload;  // as SIGHUP does
  };

  explicit WebEndpoints(Sources sources) : sources_(std::move(sources)) {}

  HttpResponse handle(HttpRequest const& request) const;

 private:
  Sources sources_;
};

}  // namespace cos_exporter
