#include "cos_exporter/daemon/input_set.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "cos_exporter/common/log.hpp"
#include "cos_exporter/inputs/file_input.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "cos_exporter/inputs/udp_input.hpp"
#include "cos_exporter/inputs/unixgram_input.hpp"
#include "cos_exporter/parsing/line_parser.hpp"

namespace cos_exporter {
namespace {

constexpr std::chrono::seconds kPositionSaveInterval{5};

std::uint64_t malformed_total(LineProcessor const& processor) {
  std::uint64_t total = 0;
  for (auto* cell : processor.counters().malformed) total += cell->value();
  return total;
}

// The part of an input's config that names its socket or files. An input
// whose identity is in the new config keeps its socket, its queue and its
// file positions; everything else about it changes in place.
std::string const& identity(UdpInputConfig const& config) {
  return config.listen;
}
std::string const& identity(UnixgramInputConfig const& config) {
  return config.path;
}
std::string const& identity(FileInputConfig const& config) {
  return config.path;
}

// What a reload does to the inputs of one kind.
template <typename Input, typename InputConfig>
struct Plan {
  // A kept input's new settings, ready to take over: nothing is left that
  // can fail once the reload is decided.
  struct Update {
    std::shared_ptr<Input> input;
    InputConfig config;
    LineParser parser;
  };
  std::vector<std::shared_ptr<Input>> next;     // in config order
  std::vector<std::shared_ptr<Input>> added;    // to start
  std::vector<std::shared_ptr<Input>> removed;  // to stop
  std::vector<Update> updated;                  // kept, with other settings
};

// Matches the running inputs of one kind to the new configs by identity.
// `all_updated`: a setting outside the inputs' own configs changed (the line
// limit, the state file), so every kept input takes its config again.
template <typename Input, typename InputConfig, typename Make>
Plan<Input, InputConfig> plan(std::vector<std::shared_ptr<Input>> const& current,
                              std::vector<InputConfig> const& configs, bool all_updated,
                              std::size_t max_line_bytes, Make&& make) {
  Plan<Input, InputConfig> result;
  std::vector<bool> kept(current.size(), false);
  for (auto const& config : configs) {
    std::shared_ptr<Input> input;
    for (std::size_t i = 0; i < current.size(); ++i) {
      if (!kept[i] && identity(current[i]->config()) == identity(config)) {
        kept[i] = true;
        input = current[i];
        break;
      }
    }
    if (!input) {
      input = make(config);
      result.added.push_back(input);
    } else if (all_updated || !(input->config() == config)) {
      result.updated.push_back(
          {input, config,
           LineParser(config.format, config.regex, max_line_bytes, config.envelope)});
    }
    result.next.push_back(input);
  }
  for (std::size_t i = 0; i < current.size(); ++i)
    if (!kept[i]) result.removed.push_back(current[i]);
  return result;
}

void log_reconfigured(std::string const& name, std::string const& kind,
                      std::string const& address) {
  log_info("input reconfigured; it keeps its socket and positions",
           {{"input", name}, {"kind", kind}, {"address", address}});
}

// After a failed reload: the inputs that were stopped for it start again,
// as fresh instances of their old config (their counters are in the store).
template <typename Input, typename Make>
void restore(std::vector<std::shared_ptr<Input>>& running,
             std::vector<std::shared_ptr<Input>> const& removed, Make&& make) {
  for (auto& input : running) {
    if (std::find(removed.begin(), removed.end(), input) == removed.end()) continue;
    auto fresh = make(input->config());
    try {
      fresh->start();
    } catch (std::exception const& e) {
      log_error("could not restore an input after a failed reload",
                {{"input", input->config().name}, {"error", e.what()}});
    }
    input = fresh;
  }
}

}  // namespace

struct InputSet::Running {
  // Declared first so it outlives the file inputs that record into it.
  std::shared_ptr<PositionStore> positions;
  std::vector<std::shared_ptr<UdpInput>> udp;
  std::vector<std::shared_ptr<UnixgramInput>> unixgram;
  std::vector<std::shared_ptr<FileInput>> files;
};

InputSet::InputSet(boost::asio::io_context& io, CountingHub& hub)
    : io_(io), hub_(hub), running_(std::make_unique<Running>()) {}

InputSet::~InputSet() = default;

void InputSet::apply(Config const& config) {
  bool state_changed = !has_config_ || config.state_file != config_.state_file;
  std::size_t max_line = config.limits.max_line_bytes;
  bool max_line_changed = has_config_ && max_line != config_.limits.max_line_bytes;

  Running next;
  next.positions =
      state_changed
          ? (config.state_file ? std::make_shared<PositionStore>(*config.state_file) : nullptr)
          : running_->positions;
  auto udp = plan(
      running_->udp, config.udp_inputs, max_line_changed, max_line,
      [&](UdpInputConfig const& c) { return std::make_shared<UdpInput>(io_, c, hub_, max_line); });
  auto unixgram = plan(running_->unixgram, config.unixgram_inputs, max_line_changed, max_line,
                       [&](UnixgramInputConfig const& c) {
                         return std::make_shared<UnixgramInput>(io_, c, hub_, max_line);
                       });
  auto files =
      plan(running_->files, config.file_inputs, max_line_changed || state_changed, max_line,
           [&](FileInputConfig const& c) {
             return std::make_shared<FileInput>(io_, c, hub_, next.positions.get(), max_line);
           });
  next.udp = udp.next;
  next.unixgram = unixgram.next;
  next.files = files.next;

  // Old inputs let go of their addresses first, so a changed input can take
  // the same port or path. Each reads what is queued before it closes.
  for (auto& input : udp.removed) input->stop();
  for (auto& input : unixgram.removed) input->stop();
  for (auto& input : files.removed) input->stop();
  if (running_->positions && state_changed) {
    running_->positions->save();
    // The stopped inputs just recorded where they are: more recent than
    // anything in the new state file, so new inputs of the same name resume
    // from there.
    if (next.positions)
      for (auto const& input : running_->positions->inputs())
        next.positions->set_positions(input, running_->positions->positions(input));
  }

  std::size_t udp_started = 0, unix_started = 0, files_started = 0;
  try {
    for (auto& input : udp.added) {
      input->start();
      ++udp_started;
      log_info(
          "input listening",
          {{"input", input->config().name}, {"kind", "udp"}, {"address", input->local_address()}});
    }
    for (auto& input : unixgram.added) {
      input->start();
      ++unix_started;
      log_info(
          "input listening",
          {{"input", input->config().name}, {"kind", "unixgram"}, {"path", input->config().path}});
    }
    for (auto& input : files.added) {
      input->start();
      ++files_started;
      log_info("input following files",
               {{"input", input->config().name}, {"kind", "file"}, {"path", input->config().path}});
    }
  } catch (...) {
    // Undo: the new inputs go, the old ones come back as they were; the kept
    // ones were not touched yet.
    for (std::size_t i = 0; i < udp_started; ++i) udp.added[i]->stop();
    for (std::size_t i = 0; i < unix_started; ++i) unixgram.added[i]->stop();
    for (std::size_t i = 0; i < files_started; ++i) files.added[i]->stop();
    if (has_config_) {
      std::size_t old_max_line = config_.limits.max_line_bytes;
      PositionStore* old_positions = running_->positions.get();
      restore(running_->udp, udp.removed, [&](UdpInputConfig const& c) {
        return std::make_shared<UdpInput>(io_, c, hub_, old_max_line);
      });
      restore(running_->unixgram, unixgram.removed, [&](UnixgramInputConfig const& c) {
        return std::make_shared<UnixgramInput>(io_, c, hub_, old_max_line);
      });
      restore(running_->files, files.removed, [&](FileInputConfig const& c) {
        return std::make_shared<FileInput>(io_, c, hub_, old_positions, old_max_line);
      });
    }
    throw;
  }

  // Decided: the kept inputs take their new settings.
  for (auto& update : udp.updated) {
    update.input->reconfigure(std::move(update.config), std::move(update.parser));
    log_reconfigured(update.input->config().name, "udp", update.input->local_address());
  }
  for (auto& update : unixgram.updated) {
    update.input->reconfigure(std::move(update.config), std::move(update.parser));
    log_reconfigured(update.input->config().name, "unixgram", update.input->config().path);
  }
  for (auto& update : files.updated) {
    update.input->reconfigure(std::move(update.config), std::move(update.parser), max_line,
                              next.positions.get());
    log_reconfigured(update.input->config().name, "file", update.input->config().path);
  }

  if (next.positions && state_changed)
    next.positions->start_periodic_save(io_, kPositionSaveInterval);
  if (running_->positions && state_changed) running_->positions->stop();
  *running_ = std::move(next);
  config_ = config;
  has_config_ = true;
}

void InputSet::stop() {
  for (auto& input : running_->udp) input->stop();
  for (auto& input : running_->unixgram) input->stop();
  for (auto& input : running_->files) input->stop();
  if (running_->positions) {
    running_->positions->stop();
    running_->positions->save();
  }
}

void InputSet::sync_kernel_drops() {
  for (auto& input : running_->udp) input->sync_kernel_drops();
  for (auto& input : running_->unixgram) input->sync_kernel_drops();
}

std::vector<InputStatus> InputSet::status() const {
  std::vector<InputStatus> list;
  for (auto const& input : running_->udp)
    list.push_back({input->config().name, "udp", input->local_address(), "listening",
                    input->processor().counters().received->value(),
                    malformed_total(input->processor())});
  for (auto const& input : running_->unixgram)
    list.push_back({input->config().name, "unixgram", input->config().path, "listening",
                    input->processor().counters().received->value(),
                    malformed_total(input->processor())});
  for (auto const& input : running_->files) {
    std::string address = input->config().path;
    auto followed = input->followed_paths();
    if (!followed.empty()) {
      address += " (";
      for (std::size_t i = 0; i < followed.size(); ++i) address += (i ? ", " : "") + followed[i];
      address += ")";
    }
    std::string state = followed.empty() ? "waiting for files"
                        : followed.size() == 1
                            ? "following 1 file"
                            : "following " + std::to_string(followed.size()) + " files";
    list.push_back({input->config().name, "file", address, state,
                    input->processor().counters().received->value(),
                    malformed_total(input->processor())});
  }
  return list;
}

}  // namespace cos_exporter
