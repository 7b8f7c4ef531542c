#include "state_keeper.hpp"

#include <prometheus/metric_family.h>

#include <filesystem>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/common/regular_file.hpp"
#include "cos_exporter/counting/counter_state.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

constexpr char kPositions[] = "positions";
constexpr char kCounters[] = "counters";

prometheus::MetricFamily family_of(metric::Definition const& definition,
                                   prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = definition.name;
  family.help = definition.help;
  family.type = type;
  return family;
}

void add_metric(prometheus::MetricFamily& family,
                std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

}  // namespace

// The store's counters as a scrape may show them (see counters_view()).
class StateKeeper::View : public prometheus::Collectable {
 public:
  explicit View(StateKeeper const& keeper) : keeper_(keeper) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    auto families = keeper_.store_.Collect();
    if (keeper_.in_sync_ || keeper_.file_ == nullptr) return families;
    if (!parsed_ || parsed_text_ != keeper_.last_counters_) {
      parsed_.emplace();
      if (!keeper_.last_counters_.empty()) {
        auto parsed = parse_counters(keeper_.last_counters_);
        if (auto* families = std::get_if<std::vector<MetricStore::RestoredFamily>>(&parsed))
          *parsed_ = std::move(*families);
      }
      parsed_text_ = keeper_.last_counters_;
    }
    for (auto& family : families) {
      if (family.type != prometheus::MetricType::Counter) continue;
      for (auto& metric : family.metric) {
        std::vector<std::string> names, values;
        for (auto const& label : metric.label) {
          names.push_back(label.name);
          values.push_back(label.value);
        }
        double written = 0;  // a series never written: 0 is what the file says
        for (auto const& restored : *parsed_) {
          if (restored.name != family.name || restored.label_names != names) continue;
          if (auto it = restored.series.find(values); it != restored.series.end())
            written = static_cast<double>(it->second);
        }
        metric.counter.value = written;
      }
    }
    return families;
  }

 private:
  StateKeeper const& keeper_;
  mutable std::optional<std::vector<MetricStore::RestoredFamily>> parsed_;
  mutable std::string parsed_text_;
};

class StateKeeper::Metrics : public prometheus::Collectable {
 public:
  explicit Metrics(StateKeeper const& keeper) : keeper_(keeper) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    if (keeper_.load_outcome_.empty()) return out;
    auto loads = family_of(metric::kStateLoadsFamily, prometheus::MetricType::Counter);
    add_metric(loads, {{"outcome", keeper_.load_outcome_}}, 1);
    out.push_back(std::move(loads));
    auto tmp = family_of(metric::kStateTmpFoundFamily, prometheus::MetricType::Counter);
    add_metric(tmp, {}, keeper_.tmp_found_ ? 1 : 0);
    out.push_back(std::move(tmp));
    if (keeper_.file_ == nullptr) return out;
    auto writes = family_of(metric::kStateWritesFamily, prometheus::MetricType::Counter);
    add_metric(writes, {{"result", "failed"}}, static_cast<double>(keeper_.failed_));
    add_metric(writes, {{"result", "ok"}}, static_cast<double>(keeper_.ok_));
    out.push_back(std::move(writes));
    auto ok = family_of(metric::kStateWriteOkFamily, prometheus::MetricType::Gauge);
    add_metric(ok, {}, keeper_.in_sync_ ? 1 : 0);
    out.push_back(std::move(ok));
    return out;
  }

 private:
  StateKeeper const& keeper_;
};

StateKeeper::StateKeeper(boost::asio::io_context& io, MetricStore& store)
    : io_(io),
      store_(store),
      view_(std::make_unique<View>(*this)),
      metrics_(std::make_unique<Metrics>(*this)) {}

StateKeeper::~StateKeeper() {
  stop_timer();
}

void StateKeeper::open(std::optional<std::string> const& path) {
  if (!path) return;
  std::error_code ec;
  auto status = std::filesystem::status(*path, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    load_outcome_ = "unusable";
    log_error(
        "state_file is not a regular file; counters and file positions are neither loaded nor "
        "saved (point state_file at a file and reload, or replace what is there and restart)",
        {{"component", "positions"}, {"path", *path}, {"is", file_type_name(status.type())}});
    return;
  }
  file_ = std::make_unique<StateFile>(*path);
  positions();
  StateFile::Loaded loaded = file_->load();
  load_outcome_ = StateFile::name(loaded.outcome);
  tmp_found_ = loaded.tmp_left;
  if (auto it = loaded.sections.find(kPositions); it != loaded.sections.end()) {
    if (auto failure = positions_->load_section(it->second))
      log_error("invalid positions section in the state file; files start from start_at",
                {{"component", "state"}, {"path", *path}, {"error", failure->reason}});
  }
  std::size_t series = 0;
  if (auto it = loaded.sections.find(kCounters); it != loaded.sections.end()) {
    auto parsed = parse_counters(it->second);
    if (auto* families = std::get_if<std::vector<MetricStore::RestoredFamily>>(&parsed)) {
      for (auto const& family : *families) series += family.series.size();
      store_.restore_counters(std::move(*families));
      remember_written(it->second);
      last_positions_.clear();
    } else {
      log_error("invalid counters section in the state file; counters start at zero",
                {{"component", "state"},
                 {"path", *path},
                 {"error", std::get<ParseFailure>(parsed).reason}});
    }
  }
  if (!StateFile::fresh(loaded.outcome)) {
    std::size_t files = 0;
    for (auto const& input : positions_->inputs()) files += positions_->positions(input).size();
    // StateFile::load said which case it was; the sizes are for debugging.
    log_debug("state restored", {{"component", "state"},
                                 {"path", *path},
                                 {"outcome", load_outcome_},
                                 {"series", std::to_string(series)},
                                 {"files", std::to_string(files)}});
  }
}

void StateKeeper::retarget(std::optional<std::string> const& path) {
  if (!path) {
    if (file_) persist();
    file_.reset();
    return;
  }
  if (file_ && file_->path() == *path) return;
  positions();
  file_ = std::make_unique<StateFile>(*path);
  last_positions_.clear();  // the new file holds nothing yet: written now
  persist();
}

void StateKeeper::remember_written(std::string counters_text) {
  last_counters_ = std::move(counters_text);
}

bool StateKeeper::persist() {
  if (!file_) return true;
  positions();
  positions_->record();
  std::map<std::string, std::string> sections{{kPositions, positions_->serialize()},
                                              {kCounters, serialize_counters(store_)}};
  if (in_sync_ && sections[kCounters] == last_counters_ && sections[kPositions] == last_positions_)
    return true;
  if (auto failure = file_->write(sections)) {
    ++failed_;
    ++failed_in_episode_;
    in_sync_ = false;
    if (!failing_) {
      failing_ = true;
      log_error(
          "cannot write the state file; counting goes on, scrapes show the counters as last "
          "written until a write works (logged once until then)",
          {{"component", "state"},
           {"path", file_->path()},
           {"step", failure->step},
           {"error", errno_text(failure->error)}});
    }
    return false;
  }
  ++ok_;
  if (failing_) {
    log_info("state file written again; scrapes show the live counters",
             {{"component", "state"},
              {"path", file_->path()},
              {"failed_writes", std::to_string(failed_in_episode_)}});
    failing_ = false;
    failed_in_episode_ = 0;
  }
  in_sync_ = true;
  last_positions_ = std::move(sections[kPositions]);
  remember_written(std::move(sections[kCounters]));
  return true;
}

void StateKeeper::start_timer(std::chrono::milliseconds every) {
  every_ = every;
  if (!timer_) timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  arm_timer();
}

void StateKeeper::arm_timer() {
  timer_->expires_after(every_);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    persist();
    arm_timer();
  });
}

void StateKeeper::stop_timer() {
  if (timer_) timer_->cancel();
}

prometheus::Collectable const& StateKeeper::counters_view() const {
  return *view_;
}

prometheus::Collectable const& StateKeeper::own_metrics() const {
  return *metrics_;
}

}  // namespace cos_exporter
