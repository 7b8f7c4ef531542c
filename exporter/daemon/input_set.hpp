#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/input.hpp"
#include "cos_exporter/inputs/input_status.hpp"
#include "cos_exporter/inputs/position_store.hpp"

namespace cos_exporter {

// The running inputs of a config. apply() moves from one config to the
// next, whole or not at all. An input whose socket or files are the same (the
// same kind and UDP `listen`, unix `path` or file glob) keeps its socket, what
// is queued in it and its file positions; its other settings (name, format,
// regex, allow list, buffer size, mode, start_at, limits, state file) change
// in place. New inputs start before removed ones stop, so a reload that
// cannot start one changes nothing that runs: no socket closes, no file is
// read again. An input that is removed or must bind elsewhere reads what is
// queued before it closes, so nothing that reached it goes uncounted. Which
// input is kept, started or stopped, and in which order, is decided by
// plan_reload (reload_plan.hpp) from the configs alone.
class InputSet {
 public:
  // The position store of a state_file: the daemon's (its StateKeeper writes
  // it with the counters); by default one of its own, saved at stop().
  using PositionsFor = std::function<std::shared_ptr<PositionStore>(std::string const& path)>;
  InputSet(boost::asio::io_context& io, CountingHub& hub, PositionsFor positions_for = {});
  ~InputSet();

  // Starts the inputs of `config` in place of the current ones. Throws
  // std::runtime_error (and leaves the current inputs running, untouched)
  // when a new input cannot start. The one exception: an input that takes
  // the UDP port or socket path of a removed one starts after it stops, and
  // if it then cannot bind, the removed one binds again.
  void apply(Config const& config);
  // Stops every input and saves file positions.
  void stop();

  std::vector<InputStatus> status() const;
  // Just before a scrape: every input brings its read counters up to date.
  void before_scrape();

 private:
  struct Running;
  // After a failed reload: fresh copies of the running inputs at these
  // indices, stopped for a rebound input that then could not start.
  void restore(std::vector<std::size_t> const& retired);
  boost::asio::io_context& io_;
  CountingHub& hub_;
  PositionsFor positions_for_;
  std::unique_ptr<Running> running_;
  Config config_;  // the config whose inputs are running
  bool has_config_ = false;
};

}  // namespace cos_exporter
