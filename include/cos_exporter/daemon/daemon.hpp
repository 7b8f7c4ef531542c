#pragma once

#include <memory>
#include <optional>
#include <string>

namespace cos_exporter {

struct DaemonOptions {
  std::optional<std::string> config_file;  // none: the built-in config
  std::string listen_address = ":9742";
  std::optional<std::string> web_config_file;
  // POST /-/reload works only when set (--web.enable-lifecycle); SIGHUP always reloads.
  bool enable_lifecycle = false;
};

// The exporter: one io_context running the inputs, the HTTP server, signal
// handling (SIGHUP reloads; SIGTERM and SIGINT stop) and reloads.
class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();

  // Runs until stopped; returns the process exit code (1 when start-up fails).
  int run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cos_exporter
