#include "cos_exporter/daemon/daemon.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <csignal>

#include "cos_exporter/build_info.hpp"
#include "cos_exporter/classification/group_warnings.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/config/config_warnings.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/exposition/code_info_collector.hpp"
#include "cos_exporter/exposition/error_exemplars.hpp"
#include "cos_exporter/exposition/http_server.hpp"
#include "cos_exporter/exposition/http_server_collector.hpp"
#include "cos_exporter/exposition/landing_page.hpp"
#include "cos_exporter/exposition/metrics_exposition.hpp"
#include "cos_exporter/exposition/process_collector.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "cos_exporter/exposition/web_endpoints.hpp"
#include "input_set.hpp"
#include "label_plan_factory.hpp"
#include "state_keeper.hpp"

namespace cos_exporter {

namespace asio = boost::asio;

namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(4);
// Besides before every scrape: how often the state is written, so that a
// SIGKILL between scrapes re-reads little of the files.
constexpr auto kStateInterval = std::chrono::milliseconds(5000);

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
  std::unique_ptr<StateKeeper> state;
  std::unique_ptr<InputSet> inputs;
  std::unique_ptr<CodeInfoCollector> code_info;
  ProcessCollector process;
  std::unique_ptr<HttpServer> http;
  HttpServerCollector http_stats{[this] { return http ? http->stats() : HttpServerStats{}; }};
  GaugeCell* reload_successful = nullptr;
  GaugeCell* reload_timestamp = nullptr;
  std::string reload_error;  // of the last reload, until one succeeds
  bool ready = false;
  bool stopping = false;
  std::chrono::steady_clock::time_point const started_at = std::chrono::steady_clock::now();

  Config load_config() const {
    return options.config_file ? load_config_file(*options.config_file) : builtin_config();
  }

  // What check-config warns about, in the log too: valid, but most likely a
  // typo, or something on this machine that will not work as configured.
  void log_config_warnings(Classifier const& classifier) const {
    for (std::string const& warning : group_warnings(config.groups, classifier.catalog()))
      log_warn("config warning", {{"config", config.source}, {"warning", warning}});
    for (std::string const& warning : environment_warnings(config))
      log_warn("config warning", {{"config", config.source}, {"warning", warning}});
  }

  void start() {
    config = load_config();
    auto classifier = make_classifier(config);
    log_config_warnings(*classifier);
    hub = std::make_unique<CountingHub>(classifier, config.limits.max_unknown_codes,
                                        config.exemplar_fields, make_label_plan(config));
    code_info = std::make_unique<CodeInfoCollector>(*hub);
    auto& store = hub->store();
    reload_successful = &store.gauge(metric::kReloadSuccessfulFamily).series({});
    reload_timestamp = &store.gauge(metric::kReloadTimestampFamily).series({});

    std::optional<WebConfig> web_config;
    if (options.web_config_file) web_config = load_web_config(*options.web_config_file);

    // The counters and positions of the last run, before anything counts.
    state = std::make_unique<StateKeeper>(io, store);
    state->open(config.state_file);
    inputs = std::make_unique<InputSet>(io, *hub,
                                        [this](std::string const&) { return state->positions(); });
    inputs->apply(config);
    state->persist();
    state->start_timer(kStateInterval);
    http = std::make_unique<HttpServer>(
        io, options.listen_address, std::move(web_config),
        [this](HttpRequest const& r, HttpResponder respond) { endpoints.handle(r, respond); });
    try {
      http->start();
    } catch (std::exception const& e) {
      // Named by its flag: the built-in UDP input listens on the same port number.
      throw std::runtime_error("http server (--web.listen-address=" + options.listen_address +
                               "): " + e.what());
    }
    log_info("listening", {{"component", "http"},
                           {"address", http->local_address()},
                           {"tls", http->tls() ? "true" : "false"},
                           {"reload_endpoint", options.enable_lifecycle
                                                   ? "on (--web.enable-lifecycle)"
                                                   : "off (SIGHUP reloads; --web.enable-lifecycle "
                                                     "turns POST /-/reload on)"}});
    reload_successful->set(1);
    reload_timestamp->set(unix_now());
    ready = true;
    Catalog const& catalog = hub->classifier().catalog();
    log_info(
        "started",
        {{"version", std::string(build_version())},
         {"config", config.source},
         // As the README counts them: the document's entries, then the SDK dialects' names.
         {"catalog_entries", std::to_string(catalog.entries().size() - catalog.dialect_entries())},
         {"sdk_dialect_names", std::to_string(catalog.dialect_entries())},
         {"groups", std::to_string(config.groups.size())}});
    wait_for_signal();
  }

  void wait_for_signal() {
    signals.async_wait([this](boost::system::error_code const& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        log_info("reloading on SIGHUP");
        reload([](bool, std::string const&) {});
        wait_for_signal();
      } else {
        log_info("stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
        stop();
      }
    });
  }

  // Why a reload was not put in force.
  struct ReloadFailure {
    std::string reason;
  };

  // What a reload puts in force, read and checked off the loop.
  struct PreparedReload {
    Config config;
    std::shared_ptr<Classifier const> classifier;
    std::function<void()> install_web_config;  // empty without a web config
  };

  // Reading the files (a slow disk, a huge file) and parsing them happen on
  // the loader thread, so intake and HTTP go on meanwhile; what is read is put
  // in force on the loop. The loader runs one reload at a time, in the order
  // asked, so the last one asked for is the one that stays in force.
  void reload(WebEndpoints::ReloadDone done) {
    asio::post(loader, [this, done = std::move(done), guard = asio::make_work_guard(io)]() mutable {
      auto prepared = std::make_shared<PreparedReload>();
      std::string error;
      try {
        prepared->config = load_config();
        prepared->classifier = make_classifier(prepared->config);
        // The web config too (certificates rotate): checked before anything
        // changes, put in force with the rest.
        if (options.web_config_file)
          prepared->install_web_config =
              http->prepare_web_config(load_web_config(*options.web_config_file));
      } catch (std::exception const& e) {
        error = e.what();
      }
      asio::post(io, [this, prepared, error = std::move(error), done = std::move(done),
                      guard = std::move(guard)]() mutable {
        if (error.empty())
          if (auto failure = apply(*prepared)) error = std::move(failure->reason);
        bool const ok = error.empty();
        if (!ok) {
          reload_successful->set(0);
          reload_error = error;
          log_error("reload failed; the running configuration stays in force", {{"error", error}});
        }
        done(ok, error);
      });
    });
  }

  std::optional<ReloadFailure> apply(PreparedReload& prepared) {
    if (stopping) return ReloadFailure{"the exporter is stopping"};
    try {
      auto const classifier = prepared.classifier;
      inputs->apply(prepared.config);
      hub->install(std::move(prepared.classifier), prepared.config.limits.max_unknown_codes,
                   prepared.config.exemplar_fields, make_label_plan(prepared.config));
      if (prepared.install_web_config) prepared.install_web_config();
      state->retarget(prepared.config.state_file);
      config = std::move(prepared.config);
      reload_successful->set(1);
      reload_timestamp->set(unix_now());
      reload_error.clear();
      log_info("configuration reloaded", {{"config", config.source}});
      log_config_warnings(*classifier);
      return std::nullopt;
    } catch (std::exception const& e) {
      return ReloadFailure{e.what()};
    }
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    ready = false;
    if (http) http->stop();
    if (inputs) inputs->stop();
    // What the inputs read while stopping is in the last state written.
    if (state) {
      state->stop_timer();
      state->persist();
    }
    signals.cancel();
    // Whatever is still in flight gets a moment, then the loop ends regardless.
    auto deadline = std::make_shared<asio::steady_timer>(io, kShutdownDeadline);
    deadline->async_wait([this, deadline](boost::system::error_code const&) { io.stop(); });
    asio::post(io, [this] { io.stop(); });
  }

  // The state is written before the page is rendered, on this one thread, so
  // no value a scraper sees is larger than the one on disk.
  std::string render_metrics(ExpositionFormat format) {
    inputs->before_scrape();
    state->persist();
    return render_exposition(
        {&state->counters_view(), code_info.get(), &process, &http_stats, &state->own_metrics()},
        format, error_exemplars(*hub));
  }

  LandingPageData landing_page_data() const {
    return LandingPageData{
        std::string(build_version()),
        std::string(build_revision()),
        config.source,
        ready,
        inputs->status(),
        top_error_codes(hub->store(), 10),
        group_counts(hub->store(), config.groups),
        reload_error,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count(),
        malformed_by_reason(hub->store())};
  }

  WebEndpoints endpoints{{[this](ExpositionFormat format) { return render_metrics(format); },
                          [this] { return landing_page_data(); }, [this] { return ready; },
                          lifecycle_reload()}};

  // POST /-/reload, only with --web.enable-lifecycle (as Prometheus and
  // Alertmanager do): anyone who reaches the port could reload otherwise.
  std::function<void(WebEndpoints::ReloadDone)> lifecycle_reload() {
    if (!options.enable_lifecycle) return {};
    return [this](WebEndpoints::ReloadDone done) { reload(std::move(done)); };
  }
  // Last: destroyed first, so a reload still reading finishes before the
  // server it prepares a web config for goes away.
  asio::thread_pool loader{1};
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
