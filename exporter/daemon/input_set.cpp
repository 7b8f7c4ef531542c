#include "cos_exporter/daemon/input_set.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "cos_exporter/daemon/log.hpp"
#include "cos_exporter/inputs/file_input.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "cos_exporter/inputs/udp_input.hpp"
#include "cos_exporter/inputs/unixgram_input.hpp"

namespace cos_exporter {
namespace {

constexpr std::chrono::seconds kPositionSaveInterval{5};

std::uint64_t malformed_total(LineProcessor const& processor) {
  std::uint64_t total = 0;
  for (auto* cell : processor.counters().malformed) total += cell->value();
  return total;
}

// Moves the inputs of one kind from the old list to the new configs: an
// unchanged input is kept as it is, anything else is created anew.
template <typename Input, typename InputConfig, typename Make>
void plan(std::vector<std::shared_ptr<Input>>& current, std::vector<InputConfig> const& configs,
          bool all_changed, Make&& make, std::vector<std::shared_ptr<Input>>& next,
          std::vector<std::shared_ptr<Input>>& added,
          std::vector<std::shared_ptr<Input>>& removed) {
  std::vector<bool> kept(current.size(), false);
  for (auto const& config : configs) {
    std::shared_ptr<Input> input;
    for (std::size_t i = 0; i < current.size() && !all_changed; ++i) {
      if (!kept[i] && current[i]->config() == config) {
        kept[i] = true;
        input = current[i];
        break;
      }
    }
    if (!input) {
      input = make(config);
      added.push_back(input);
    }
    next.push_back(input);
  }
  for (std::size_t i = 0; i < current.size(); ++i)
    if (!kept[i]) removed.push_back(current[i]);
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
  bool limits_changed = !has_config_ || config.limits != config_.limits;
  bool state_changed = !has_config_ || config.state_file != config_.state_file;
  std::size_t max_line = config.limits.max_line_bytes;

  Running next;
  next.positions =
      state_changed
          ? (config.state_file ? std::make_shared<PositionStore>(*config.state_file) : nullptr)
          : running_->positions;
  std::vector<std::shared_ptr<UdpInput>> udp_added, udp_removed;
  std::vector<std::shared_ptr<UnixgramInput>> unix_added, unix_removed;
  std::vector<std::shared_ptr<FileInput>> file_added, file_removed;
  plan(
      running_->udp, config.udp_inputs, limits_changed,
      [&](UdpInputConfig const& c) { return std::make_shared<UdpInput>(io_, c, hub_, max_line); },
      next.udp, udp_added, udp_removed);
  plan(
      running_->unixgram, config.unixgram_inputs, limits_changed,
      [&](UnixgramInputConfig const& c) {
        return std::make_shared<UnixgramInput>(io_, c, hub_, max_line);
      },
      next.unixgram, unix_added, unix_removed);
  plan(
      running_->files, config.file_inputs, limits_changed || state_changed,
      [&](FileInputConfig const& c) {
        return std::make_shared<FileInput>(io_, c, hub_, next.positions.get(), max_line);
      },
      next.files, file_added, file_removed);

  // Old inputs let go of their addresses first, so a changed input can take
  // the same port or path.
  for (auto& input : udp_removed) input->stop();
  for (auto& input : unix_removed) input->stop();
  for (auto& input : file_removed) input->stop();
  if (running_->positions && state_changed) {
    running_->positions->save();
    // The stopped inputs just recorded where they are: more recent than
    // anything in the new state file, so the new inputs resume from there.
    if (next.positions)
      for (auto const& input : running_->positions->inputs())
        next.positions->set_positions(input, running_->positions->positions(input));
  }

  std::size_t udp_started = 0, unix_started = 0, files_started = 0;
  try {
    for (auto& input : udp_added) {
      input->start();
      ++udp_started;
      log_info(
          "input listening",
          {{"input", input->config().name}, {"kind", "udp"}, {"address", input->local_address()}});
    }
    for (auto& input : unix_added) {
      input->start();
      ++unix_started;
      log_info(
          "input listening",
          {{"input", input->config().name}, {"kind", "unixgram"}, {"path", input->config().path}});
    }
    for (auto& input : file_added) {
      input->start();
      ++files_started;
      log_info("input following files",
               {{"input", input->config().name}, {"kind", "file"}, {"path", input->config().path}});
    }
  } catch (...) {
    // Undo: the new inputs go, the old ones come back as they were.
    for (std::size_t i = 0; i < udp_started; ++i) udp_added[i]->stop();
    for (std::size_t i = 0; i < unix_started; ++i) unix_added[i]->stop();
    for (std::size_t i = 0; i < files_started; ++i) file_added[i]->stop();
    if (has_config_) {
      std::size_t old_max_line = config_.limits.max_line_bytes;
      PositionStore* old_positions = running_->positions.get();
      restore(running_->udp, udp_removed, [&](UdpInputConfig const& c) {
        return std::make_shared<UdpInput>(io_, c, hub_, old_max_line);
      });
      restore(running_->unixgram, unix_removed, [&](UnixgramInputConfig const& c) {
        return std::make_shared<UnixgramInput>(io_, c, hub_, old_max_line);
      });
      restore(running_->files, file_removed, [&](FileInputConfig const& c) {
        return std::make_shared<FileInput>(io_, c, hub_, old_positions, old_max_line);
      });
    }
    throw;
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
