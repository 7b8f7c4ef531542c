#pragma once

#include <prometheus/collectable.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cos_exporter/common/state_file.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/inputs/position_store.hpp"

namespace cos_exporter {

// The state kept across restarts: one snapshot of every counter of the store
// and of the file inputs' positions, taken on the event loop (where every
// counter is written, so nothing moves meanwhile) and written as one state
// file (common/state_file.hpp). The counters count exactly the lines before
// the positions, so a restart that resumes both from one snapshot counts
// every line once.
//
// persist() runs before every scrape is rendered, so no value a scraper sees
// is larger than the one on disk: a SIGKILL never makes a counter go back.
// While writes fail (disk full, EIO), scrapes show the counters as last
// written (counters_view()), the failure is counted and logged once per
// episode, and the counting goes on in memory: the next write that works
// catches up.
class StateKeeper {
 public:
  StateKeeper(boost::asio::io_context& io, MetricStore& store);
  ~StateKeeper();

  // At start-up, before any input counts: reads the state file at `path`
  // (none: nothing is kept) and restores the counters into the store and the
  // positions into positions().
  void open(std::optional<std::string> const& path);
  // A reload: from now on the state goes to `path` (nothing is read from it;
  // the running counters and positions go on). None: nothing is kept.
  void retarget(std::optional<std::string> const& path);

  // The positions the file inputs record into: one store for the daemon's
  // life, whatever the path (made on first use).
  std::shared_ptr<PositionStore> positions() {
    if (!positions_) positions_ = std::make_shared<PositionStore>();
    return positions_;
  }

  // Takes a snapshot and writes it when it differs from the last one written.
  // True when the file now holds what the store holds.
  bool persist();
  // Persists every `every` too, so a SIGKILL re-reads less of the files.
  void start_timer(std::chrono::milliseconds every);
  // Stops the timer (the caller persists once more after stopping inputs).
  void stop_timer();

  // What a scrape shows of the store's counters: the store itself while the
  // file holds its values, the values last written otherwise.
  prometheus::Collectable const& counters_view() const;
  // The cos_error_exporter_state_* metrics.
  prometheus::Collectable const& own_metrics() const;

  bool enabled() const { return file_ != nullptr; }
  std::uint64_t writes_failed() const { return failed_; }

 private:
  class View;
  class Metrics;
  void arm_timer();
  void remember_written(std::string counters_text);

  boost::asio::io_context& io_;
  MetricStore& store_;
  std::unique_ptr<StateFile> file_;
  std::shared_ptr<PositionStore> positions_;
  std::string last_positions_;  // the sections last written (counters: or loaded)
  std::string last_counters_;   // its counters section
  bool in_sync_ = true;
  bool failing_ = false;               // in a failure episode (logged once)
  std::uint64_t ok_ = 0, failed_ = 0;  // writes by this process
  std::uint64_t failed_in_episode_ = 0;
  std::string load_outcome_;
  bool tmp_found_ = false;
  std::unique_ptr<View> view_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds every_{5000};
};

}  // namespace cos_exporter
