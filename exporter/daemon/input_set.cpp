#include "input_set.hpp"

#include <algorithm>
#include <stdexcept>

#include "cos_exporter/common/log.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "cos_exporter/parsing/line_parser.hpp"
#include "reload_plan.hpp"

namespace cos_exporter {
namespace {

// A running input with the settings it runs with.
struct RunningInput {
  InputConfig config;
  std::shared_ptr<Input> input;
};

// The configs of `inputs`, in their order.
std::vector<InputConfig> configs_of(std::vector<RunningInput> const& inputs) {
  std::vector<InputConfig> list;
  for (auto const& running : inputs) list.push_back(running.config);
  return list;
}

bool contains(std::vector<std::size_t> const& list, std::size_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Copies one input's positions from the store being replaced into the next.
void carry_positions(PositionStore* from, PositionStore* to, std::string const& input) {
  if (from != nullptr && to != nullptr && from != to)
    to->set_positions(input, from->positions(input));
}

}  // namespace

struct InputSet::Running {
  // Declared first so it outlives the file inputs that record into it.
  std::shared_ptr<PositionStore> positions;
  std::vector<RunningInput> inputs;
};

InputSet::InputSet(boost::asio::io_context& io, CountingHub& hub, PositionsFor positions_for)
    : io_(io),
      hub_(hub),
      positions_for_(
          positions_for
              ? std::move(positions_for)
              : [](std::string const& path) { return std::make_shared<PositionStore>(path); }),
      running_(std::make_unique<Running>()) {}

InputSet::~InputSet() = default;

void InputSet::apply(Config const& config) {
  bool state_changed = !has_config_ || config.state_file != config_.state_file;
  bool max_line_changed =
      has_config_ && config.limits.max_line_bytes != config_.limits.max_line_bytes;

  Running next;
  next.positions = state_changed
                       ? (config.state_file ? positions_for_(*config.state_file) : nullptr)
                       : running_->positions;
  InputContext context{io_, hub_, config.limits.max_line_bytes, next.positions.get()};
  std::vector<InputConfig> const& wanted = config.inputs;
  ReloadPlan plan =
      plan_reload(configs_of(running_->inputs), wanted, {max_line_changed, state_changed});

  // What can fail without touching anything that runs: the new inputs and
  // the kept ones' parsers.
  next.inputs.resize(wanted.size());
  std::vector<std::pair<std::size_t, LineParser>> parsers;
  for (auto const& kept : plan.kept) {
    next.inputs[kept.to] = {wanted[kept.to], running_->inputs[kept.from].input};
    if (kept.reconfigure)
      parsers.emplace_back(kept.to, make_line_parser(wanted[kept.to], context.max_line_bytes));
  }
  for (auto const& start : plan.starts)
    next.inputs[start.to] = {wanted[start.to], make_input(wanted[start.to], context)};

  // A new state file: where the running inputs are now is more recent than
  // anything in it, so new inputs of the same name resume from there.
  PositionStore* old_store = running_->positions.get();
  if (old_store != nullptr && next.positions && state_changed) {
    old_store->record();
    for (auto const& input : old_store->inputs())
      carry_positions(old_store, next.positions.get(), input);
  }
  auto retire = [&](std::size_t from) {
    // Reads what is queued before it closes, and records where it stopped.
    running_->inputs[from].input->stop();
    carry_positions(old_store, next.positions.get(), input_name(running_->inputs[from].config));
  };

  // The new inputs start while the old ones run; a rebound one right after
  // the inputs whose address or positions it takes stop.
  std::vector<std::shared_ptr<Input>> started;
  std::vector<std::size_t> retired;
  try {
    for (auto const& start : plan.starts) {
      for (std::size_t from : start.after)
        if (!contains(retired, from)) {
          retire(from);
          retired.push_back(from);
        }
      next.inputs[start.to].input->start();
      started.push_back(next.inputs[start.to].input);
    }
  } catch (...) {
    // Undo: the new inputs go; the running ones are untouched, but for those
    // a rebound input had to stop first (only datagram inputs: a file input
    // cannot fail to start), which bind again.
    for (auto it = started.rbegin(); it != started.rend(); ++it) (*it)->stop();
    restore(retired);
    throw;
  }

  // Decided: the removed inputs stop, the kept ones take their new settings.
  for (std::size_t from : plan.removed)
    if (!contains(retired, from)) retire(from);
  if (old_store != nullptr && state_changed) old_store->save();
  for (auto& [to, parser] : parsers) {
    auto& input = *next.inputs[to].input;
    input.reconfigure(next.inputs[to].config, std::move(parser), context);
    auto status = input.status();
    log_info("input reconfigured; it keeps its socket and positions",
             {{"input", status.name}, {"kind", status.kind}, {"address", status.address}});
  }

  *running_ = std::move(next);
  config_ = config;
  has_config_ = true;
}

void InputSet::restore(std::vector<std::size_t> const& retired) {
  InputContext context{io_, hub_, config_.limits.max_line_bytes, running_->positions.get()};
  for (std::size_t from : retired) {
    auto& running = running_->inputs[from];
    running.input = make_input(running.config, context);
    try {
      running.input->start();
      log_warn(
          "input bound again after a failed reload; its address was free for a moment",
          {{"input", input_name(running.config)}, {"address", input_identity(running.config)}});
    } catch (std::exception const& e) {
      log_error("could not restore an input after a failed reload",
                {{"input", input_name(running.config)}, {"error", e.what()}});
    }
  }
}

void InputSet::stop() {
  for (auto& running : running_->inputs) running.input->stop();
  if (running_->positions) running_->positions->save();
}

void InputSet::before_scrape() {
  for (auto& running : running_->inputs) running.input->before_scrape();
}

std::vector<InputStatus> InputSet::status() const {
  std::vector<InputStatus> list;
  for (auto const& running : running_->inputs) list.push_back(running.input->status());
  return list;
}

}  // namespace cos_exporter
