#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cos_exporter/exposition/exposition_format.hpp"
#include "cos_exporter/exposition/http_server.hpp"
#include "cos_exporter/exposition/landing_page.hpp"

namespace cos_exporter {

// The exporter's HTTP endpoints: /metrics, /, /-/healthy,
// /-/ready and /-/reload, answering from what the daemon hands them.
class WebEndpoints {
 public:
  // How a reload ended: `error` is empty when `ok`.
  using ReloadDone = std::function<void(bool ok, std::string const& error)>;

  struct Sources {
    std::function<std::string(ExpositionFormat)> metrics;  // the exposition
    std::function<LandingPageData()> landing_page;         // what / shows
    std::function<bool()> ready;                           // config loaded, inputs bound
    // As SIGHUP does; calls `done` once, on the loop, when the reload ended.
    // Empty: POST /-/reload is off and answers 403 (no --web.enable-lifecycle).
    std::function<void(ReloadDone done)> reload;
  };

  // A /metrics page rendered less than `share_window` ago is sent again
  // instead of a new rendering while another scraper is still being sent it
  // (slow scrapers hold one page between them, not one each), or while it is
  // younger than a few times what rendering it took (a burst of scrapes of a
  // large page costs a few renderings, not one each, and the loop stays free).
  explicit WebEndpoints(Sources sources,
                        std::chrono::milliseconds share_window = std::chrono::seconds(1))
      : sources_(std::move(sources)), share_window_(share_window) {}

  // Every answer but /-/reload's is given before handle returns. Call on the
  // event loop's thread.
  void handle(HttpRequest const& request, HttpResponder respond) const;

 private:
  HttpResponse answer(std::string const& path, HttpRequest const& request) const;
  // The page shared is one of the format asked for.
  std::shared_ptr<SharedBody const> metrics_page(ExpositionFormat format) const;

  Sources sources_;
  std::chrono::milliseconds share_window_;
  mutable std::shared_ptr<SharedBody const> last_page_;
  mutable ExpositionFormat last_format_ = ExpositionFormat::text_0_0_4;
  mutable std::chrono::steady_clock::time_point last_rendered_{};
  mutable std::chrono::steady_clock::duration render_time_{};
};

}  // namespace cos_exporter
