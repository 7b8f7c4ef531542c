#include "cos_exporter/daemon/input_set.hpp"

#include <algorithm>
#include <stdexcept>

#include "cos_exporter/common/log.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "cos_exporter/parsing/line_parser.hpp"

namespace cos_exporter {
namespace {

// A running input with the settings it runs with.
struct RunningInput {
  InputConfig config;
  std::shared_ptr<Input> input;
};

// Every input of `config`, in the order they start.
std::vector<InputConfig> input_configs(Config const& config) {
  std::vector<InputConfig> list;
  for (auto const& c : config.udp_inputs) list.emplace_back(c);
  for (auto const& c : config.unixgram_inputs) list.emplace_back(c);
  for (auto const& c : config.file_inputs) list.emplace_back(c);
  return list;
}

// What a reload does to the inputs.
struct Plan {
  // A kept input's new settings, ready to take over: nothing is left that
  // can fail once the reload is decided.
  struct Update {
    std::shared_ptr<Input> input;
    InputConfig config;
    LineParser parser;
  };
  std::vector<RunningInput> next;               // in config order
  std::vector<std::shared_ptr<Input>> added;    // to start
  std::vector<std::shared_ptr<Input>> removed;  // to stop
  std::vector<Update> updated;                  // kept, with other settings
};

// Matches the running inputs to the new configs by identity. A setting
// outside the inputs' own configs that changed (the line limit; the state
// file, for the inputs that record positions) reconfigures every kept input
// it concerns.
Plan plan(std::vector<RunningInput> const& current, std::vector<InputConfig> const& configs,
          bool max_line_changed, bool state_changed, InputContext const& context) {
  Plan result;
  std::vector<bool> kept(current.size(), false);
  for (auto const& config : configs) {
    std::string identity = input_identity(config);
    std::shared_ptr<Input> input;
    for (std::size_t i = 0; i < current.size() && !input; ++i) {
      if (!kept[i] && input_identity(current[i].config) == identity) {
        kept[i] = true;
        input = current[i].input;
        bool context_changed = max_line_changed || (state_changed && records_positions(config));
        if (context_changed || !(current[i].config == config))
          result.updated.push_back(
              {input, config, make_line_parser(config, context.max_line_bytes)});
      }
    }
    if (!input) {
      input = make_input(config, context);
      result.added.push_back(input);
    }
    result.next.push_back({config, input});
  }
  for (std::size_t i = 0; i < current.size(); ++i)
    if (!kept[i]) result.removed.push_back(current[i].input);
  return result;
}

bool contains(std::vector<std::shared_ptr<Input>> const& list,
              std::shared_ptr<Input> const& input) {
  return std::find(list.begin(), list.end(), input) != list.end();
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
  Plan steps =
      plan(running_->inputs, input_configs(config), max_line_changed, state_changed, context);
  next.inputs = steps.next;

  // Old inputs let go of their addresses first, so a changed input can take
  // the same port or path. Each reads what is queued before it closes.
  for (auto& input : steps.removed) input->stop();
  if (running_->positions && state_changed) {
    running_->positions->save();
    // The stopped inputs just recorded where they are: more recent than
    // anything in the new state file, so new inputs of the same name resume
    // from there.
    if (next.positions)
      for (auto const& input : running_->positions->inputs())
        next.positions->set_positions(input, running_->positions->positions(input));
  }

  std::size_t started = 0;
  try {
    for (auto& input : steps.added) {
      input->start();
      ++started;
    }
  } catch (...) {
    // Undo: the new inputs go, the old ones come back as they were, as fresh
    // instances of their old config (their counters are in the store); the
    // kept ones were not touched yet.
    for (std::size_t i = 0; i < started; ++i) steps.added[i]->stop();
    InputContext old_context{io_, hub_, config_.limits.max_line_bytes, running_->positions.get()};
    for (auto& running : running_->inputs) {
      if (!contains(steps.removed, running.input)) continue;
      running.input = make_input(running.config, old_context);
      try {
        running.input->start();
      } catch (std::exception const& e) {
        log_error("could not restore an input after a failed reload",
                  {{"input", input_name(running.config)}, {"error", e.what()}});
      }
    }
    throw;
  }

  // Decided: the kept inputs take their new settings.
  for (auto& update : steps.updated) {
    update.input->reconfigure(update.config, std::move(update.parser), context);
    auto status = update.input->status();
    log_info("input reconfigured; it keeps its socket and positions",
             {{"input", status.name}, {"kind", status.kind}, {"address", status.address}});
  }

  *running_ = std::move(next);
  config_ = config;
  has_config_ = true;
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
