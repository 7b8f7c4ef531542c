#include "cos_exporter/daemon/daemon.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <tuple>

#include "cos_exporter/build_info.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/daemon/input_set.hpp"
#include "cos_exporter/daemon/log.hpp"
#include "cos_exporter/exposition/code_info_collector.hpp"
#include "cos_exporter/exposition/http_server.hpp"
#include "cos_exporter/exposition/landing_page.hpp"
#include "cos_exporter/exposition/process_collector.hpp"
#include "cos_exporter/exposition/web_config.hpp"

namespace cos_exporter {

namespace asio = boost::asio;

namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(4);

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct Daemon::State {
  explicit State(DaemonOptions o) : options(std::move(o)), signals(io, SIGINT, SIGTERM, SIGHUP) {}

  DaemonOptions options;
  asio::io_context io;
  asio::signal_set signals;
  Config config;
  std::unique_ptr<CountingHub> hub;
  std::unique_ptr<InputSet> inputs;
  std::unique_ptr<CodeInfoCollector> code_info;
  ProcessCollector process;
  std::unique_ptr<HttpServer> http;
  GaugeCell* reload_successful = nullptr;
  GaugeCell* reload_timestamp = nullptr;
  bool ready = false;
  bool stopping = false;

  Config load_config() const {
    return options.config_file ? load_config_file(*options.config_file) : builtin_config();
  }

  void start() {
    config = load_config();
    auto classifier = make_classifier(config);
    hub = std::make_unique<CountingHub>(classifier, config.limits.max_unknown_codes);
    code_info = std::make_unique<CodeInfoCollector>(*hub);
    auto& store = hub->store();
    reload_successful =
        &store.gauge(metric::kReloadSuccessful, metric::kReloadSuccessfulHelp, {}).series({});
    reload_timestamp =
        &store.gauge(metric::kReloadTimestamp, metric::kReloadTimestampHelp, {}).series({});

    std::optional<WebConfig> web_config;
    if (options.web_config_file) web_config = load_web_config(*options.web_config_file);

    inputs = std::make_unique<InputSet>(io, *hub);
    inputs->apply(config);
    http = std::make_unique<HttpServer>(io, options.listen_address, std::move(web_config),
                                        [this](HttpRequest const& r) { return handle(r); });
    http->start();
    log_info("listening", {{"component", "http"},
                           {"address", http->local_address()},
                           {"tls", http->tls() ? "true" : "false"}});
    reload_successful->set(1);
    reload_timestamp->set(unix_now());
    ready = true;
    log_info("started",
             {{"version", std::string(build_version())},
              {"config", config.source},
              {"catalog_entries", std::to_string(hub->classifier().catalog().entries().size())},
              {"groups", std::to_string(config.groups.size())}});
    wait_for_signal();
  }

  void wait_for_signal() {
    signals.async_wait([this](boost::system::error_code const& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        log_info("reloading on SIGHUP");
        std::string error;
        reload(error);
        wait_for_signal();
      } else {
        log_info("stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
        stop();
      }
    });
  }

  bool reload(std::string& error) {
    try {
      Config next = load_config();
      auto classifier = make_classifier(next);
      inputs->apply(next);
      hub->install(std::move(classifier), next.limits.max_unknown_codes);
      config = std::move(next);
      reload_successful->set(1);
      reload_timestamp->set(unix_now());
      log_info("configuration reloaded", {{"config", config.source}});
      return true;
    } catch (std::exception const& e) {
      reload_successful->set(0);
      error = e.what();
      log_error("reload failed; the running configuration stays in force", {{"error", error}});
      return false;
    }
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    ready = false;
    if (http) http->stop();
    if (inputs) inputs->stop();
    signals.cancel();
    // Whatever is still in flight gets a moment, then the loop ends regardless.
    auto deadline = std::make_shared<asio::steady_timer>(io, kShutdownDeadline);
    deadline->async_wait([this, deadline](boost::system::error_code const&) { io.stop(); });
    asio::post(io, [this] { io.stop(); });
  }

  std::string render_metrics() {
    inputs->sync_kernel_drops();
    std::vector<prometheus::MetricFamily> families = hub->store().Collect();
    for (auto* collectable : {static_cast<prometheus::Collectable const*>(code_info.get()),
                              static_cast<prometheus::Collectable const*>(&process)}) {
      auto more = collectable->Collect();
      std::move(more.begin(), more.end(), std::back_inserter(families));
    }
    std::sort(families.begin(), families.end(),
              [](auto const& a, auto const& b) { return a.name < b.name; });
    return prometheus::TextSerializer().Serialize(families);
  }

  LandingPageData landing_page_data() const {
    LandingPageData data{std::string(build_version()),
                         std::string(build_revision()),
                         config.source,
                         ready,
                         inputs->status(),
                         {},
                         {}};
    if (auto* errors = hub->store().find_counter(metric::kErrors)) {
      for (auto const& [labels, cell] : errors->all())
        if (cell->value() > 0)
          data.top_codes.push_back({labels[0], labels[1], labels[2], cell->value()});
      std::sort(data.top_codes.begin(), data.top_codes.end(), [](auto const& a, auto const& b) {
        // Largest first; ties in catalog label order, so the page is stable.
        return a.count != b.count
                   ? a.count > b.count
                   : std::tie(a.category, a.code, a.name) < std::tie(b.category, b.code, b.name);
      });
      if (data.top_codes.size() > 10) data.top_codes.resize(10);
    }
    auto* groups = hub->store().find_counter(metric::kGroupErrors);
    for (auto const& group : config.groups) {
      std::uint64_t count = 0;
      if (groups != nullptr)
        if (auto it = groups->all().find({group.name}); it != groups->all().end())
          count = it->second->value();
      data.groups.push_back({group.name, group.description, count});
    }
    return data;
  }

  HttpResponse handle(HttpRequest const& request) {
    std::string path = request.target.substr(0, request.target.find('?'));
    HttpResponse response;
    if (path == "/-/reload") {
      if (request.method != "POST" && request.method != "PUT") {
        response.status = 405;
        response.headers.push_back({"Allow", "POST, PUT"});
        response.body = "Use POST to reload the configuration.\n";
        return response;
      }
      std::string error;
      if (reload(error)) {
        response.body = "Configuration reloaded.\n";
      } else {
        response.status = 500;
        response.body = "Reload failed; the running configuration stays in force: " + error + "\n";
      }
      return response;
    }
    if (request.method != "GET") {
      response.status = 405;
      response.headers.push_back({"Allow", "GET, HEAD"});
      response.body = "Method not allowed.\n";
      return response;
    }
    if (path == "/metrics") {
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = render_metrics();
      response.compressible = true;
    } else if (path == "/-/healthy") {
      response.body = "Healthy.\n";
    } else if (path == "/-/ready") {
      response.status = ready ? 200 : 503;
      response.body = ready ? "Ready.\n" : "Not ready.\n";
    } else if (path == "/") {
      response.content_type = "text/html; charset=utf-8";
      response.body = render_landing_page(landing_page_data());
      response.compressible = true;
    } else {
      response.status = 404;
      response.body = "Not found. See / for what this exporter serves.\n";
    }
    return response;
  }
};

Daemon::Daemon(DaemonOptions options) : state_(std::make_unique<State>(std::move(options))) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  try {
    state_->start();
  } catch (std::exception const& e) {
    log_error("cannot start", {{"error", e.what()}});
    if (state_->inputs) state_->inputs->stop();
    return 1;
  }
  state_->io.run();
  log_info("stopped");
  return 0;
}

}  // namespace cos_exporter
