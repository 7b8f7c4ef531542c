#include "file_input.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

// Reading goes in slices, so that scrapes, other files and datagram inputs
// are served while a big file (or a gzip file that inflates to a big one) is
// read at full speed: one file reads about kReadBudget bytes (after
// inflating, and less for short lines: FileReader::read) at a time, and a
// pass hands the event loop back once it has taken kSliceTime, posting the
// rest of its work behind whatever is waiting.
constexpr std::size_t kReadBudget = 128 * 1024;
constexpr std::chrono::microseconds kSliceTime{2000};

}  // namespace

FileInput::FileInput(boost::asio::io_context& io, FileInputConfig config, CountingHub& hub,
                     PositionStore* positions, std::size_t max_line_bytes)
    : io_(io),
      config_(std::move(config)),
      hub_(hub),
      positions_(positions),
      max_line_bytes_(max_line_bytes),
      processor_(make_line_parser(config_, max_line_bytes),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      paths_(config_.path, config_.name, hub.store()),
      watcher_(io, config_.name,
               {[this](std::string const& path) {
                  auto it = by_path_.find(path);
                  if (it == by_path_.end()) return;
                  // A file waiting for its first line is opened as soon as it has one.
                  if (it->second->reader() == nullptr) full_requested_ = true;
                  mark_dirty(*it->second);
                  schedule_pass();
                },
                [this] {
                  full_requested_ = true;
                  schedule_pass();
                }}),
      files_followed_(&hub.store().gauge(metric::kFileInputFilesFamily).series({config_.name})) {}

FileInput::~FileInput() {
  stop();
}

// ------------------------------------------------------------ start and stop

void FileInput::start() {
  if (started_) return;
  started_ = true;
  if (positions_ != nullptr) load_positions(positions_->positions(config_.name));
  show_restored_skips();
  watcher_.start(poll_interval_);
  full_pass(/*starting=*/true);
  for (auto& followed_path : followed_paths_) mark_dirty(*followed_path);
  schedule_pass();
  if (positions_ != nullptr) positions_->add_provider(this, [this] { record_positions(); });
  log_info("file input started", {{"component", "file"},
                                  {"input", config_.name},
                                  {"glob", config_.path},
                                  {"files", std::to_string(followed_paths().size())},
                                  {"inotify", watcher_.has_inotify() ? "true" : "false"}});
  log_info("input following files",
           {{"input", config_.name}, {"kind", "file"}, {"path", config_.path}});
}

void FileInput::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return;
  // A rotated file still being read: take what its writer left, so that less
  // depends on the glob finding it under its new name after a restart.
  for (auto& draining : draining_) {
    for (int i = 0; i < 4 && read_draining(draining); ++i) {
    }
  }
  record_positions();
  if (positions_ != nullptr) positions_->remove_provider(this);
  watcher_.stop();
  lifetime_.end();
  draining_.clear();
  by_path_.clear();
  dirty_.clear();
  followed_paths_.clear();
}

void FileInput::reconfigure(FileInputConfig config, LineParser parser, std::size_t max_line_bytes,
                            PositionStore* positions) {
  bool store_changed = positions != positions_;
  bool live = started_ && !stopped_;
  if (store_changed && live) {
    record_positions();
    if (positions_ != nullptr) positions_->remove_provider(this);
  }
  processor_.reconfigure(std::move(parser), InputCounters(hub_.store(), config.name), config.sdk);
  if (config.name != config_.name) {
    // Same glob, new name: logs, skips and the followed-files gauge go by the new one.
    paths_.set_input(config.name);
    watcher_.set_input(config.name);
    auto& followed = hub_.store().gauge(metric::kFileInputFilesFamily);
    double open = files_followed_->value();
    followed.remove({config_.name});
    files_followed_ = &followed.series({config.name});
    files_followed_->set(open);
  }
  config_ = std::move(config);
  max_line_bytes_ = max_line_bytes;
  positions_ = positions;
  if (store_changed && live && positions_ != nullptr) {
    positions_->add_provider(this, [this] { record_positions(); });
    record_positions();
  }
}

void FileInput::show_restored_skips() {
  // The last run's skips (kept in the state file) show from the start: the
  // files it settled are not counted again, so nothing else would show them.
  auto& skipped = hub_.store().counter(metric::kFileSkippedFamily);
  auto restored = skipped.restored();  // taking a series up removes it from there
  for (auto const& [labels, value] : restored)
    if (!labels.empty() && labels.front() == config_.name) skipped.series(labels);
}

void FileInput::load_positions(std::vector<FilePosition> saved) {
  // A file the last run settled (damaged, already read, a kind not read)
  // stays unread, and is not counted again in file_skipped_total: that run
  // counted it.
  auto now = Clock::now();
  std::erase_if(saved, [&](FilePosition const& position) {
    if (position.settled_size == 0) return false;
    settled_[{position.device, position.inode}] = {position.settled_size, now, position.path};
    return true;
  });
  checkpoints_.load(std::move(saved), now);
}

void FileInput::record_positions() {
  if (positions_ == nullptr || !started_) return;
  std::vector<FilePosition> list;
  for (auto const& followed_path : followed_paths_)
    if (followed_path->reader() != nullptr)
      list.push_back(followed_path->reader()->position(followed_path->path()));
  for (auto const& draining : draining_) list.push_back(draining.reader->position(draining.path));
  checkpoints_.append_to(list);
  for (auto const& [identity, settled] : settled_) {
    FilePosition kept;
    kept.path = settled.path;
    kept.device = identity.device;
    kept.inode = identity.inode;
    kept.settled_size = settled.size;
    list.push_back(std::move(kept));
  }
  positions_->set_positions(config_.name, std::move(list));
}

std::vector<std::string> FileInput::followed_paths() const {
  std::vector<std::string> paths;
  for (auto const& followed_path : followed_paths_)
    if (followed_path->reader() != nullptr) paths.push_back(followed_path->path());
  std::sort(paths.begin(), paths.end());
  return paths;
}

// ---------------------------------------------------------------- the passes

void FileInput::schedule_pass() {
  if (pass_posted_ || stopped_) return;
  pass_posted_ = true;
  boost::asio::post(io_, [this, alive = lifetime_.watch()] {
    if (alive.expired()) return;
    pass_posted_ = false;
    run_pass();
  });
}

void FileInput::poll_now() {
  full_requested_ = true;
  run_pass();
}

void FileInput::run_pass() {
  if (stopped_ || !started_) return;
  slice_end_ = Clock::now() + kSliceTime;
  if (full_requested_) {
    full_requested_ = false;
    full_pass(/*starting=*/false);  // reads every open file once
  }
  // Only files written since the last pass are read: an idle file costs nothing here.
  std::swap(reading_, dirty_);
  dirty_.clear();
  std::size_t done = 0;
  for (; done < reading_.size() && !slice_over(); ++done) {
    FollowedPath* followed_path = reading_[done];
    followed_path->dirty = false;
    if (read_followed_path(*followed_path)) mark_dirty(*followed_path);
  }
  // Files not reached in this slice go first in the next one (still marked dirty).
  dirty_.insert(dirty_.begin(), reading_.begin() + static_cast<std::ptrdiff_t>(done),
                reading_.end());
  reading_.clear();
  bool more = !dirty_.empty();
  for (auto& draining : draining_) {
    if (slice_over())
      more = true;
    else if (read_draining(draining))
      more = true;
  }
  std::erase_if(draining_, [](Draining const& d) { return d.reader->damage().has_value(); });
  if (more) schedule_pass();
}

bool FileInput::slice_over() const {
  return Clock::now() >= slice_end_;
}

void FileInput::mark_dirty(FollowedPath& followed_path) {
  if (followed_path.dirty) return;
  followed_path.dirty = true;
  dirty_.push_back(&followed_path);
}

bool FileInput::read_followed_path(FollowedPath& followed_path) {
  bool more = followed_path.read(sink_for(followed_path.path()), kReadBudget, config_.name);
  FileReader* reader = followed_path.reader();
  if (reader == nullptr) return more;
  keep_truncated_position(*reader, followed_path.path());
  if (reader->damage()) {
    give_up_damaged(*reader, followed_path.path());
    followed_path.release();
    return false;
  }
  return more;
}

void FileInput::give_up_damaged(FileReader& reader, std::string const& path) {
  auto const& damage = *reader.damage();
  log_warn("compressed file is damaged; not reading the rest of it",
           {{"component", "file"},
            {"input", config_.name},
            {"path", path},
            {"error", damage.error.empty() ? std::string(damage.reason) : damage.error},
            {"reason", damage.reason},
            {"read_bytes", std::to_string(reader.committed_offset())}});
  // What was read before stays counted, once: the file is not read again
  // under any name.
  settle({reader.identity(), reader.stored_size()}, damage.reason, path);
}

void FileInput::keep_truncated_position(FileReader& reader, std::string const& path) {
  // What was read before a copytruncate is in logrotate's copy: this position
  // lets the copy be read on from there.
  if (auto before = reader.take_truncated_position()) {
    before->path = path;
    checkpoints_.release(std::move(*before), Clock::now(), HeldOrigin::truncated);
    // A copy waiting for this truncation may take that position now.
    full_requested_ = true;
    schedule_pass();
  }
}

void FileInput::full_pass(bool starting) {
  auto now = Clock::now();
  watcher_.watch(paths_.directories());
  auto found = paths_.files();
  // Read what is open first: a truncation seen now hands its position on to
  // a copy found in this pass.
  for (auto& followed_path : followed_paths_) {
    // A text file that has not changed size since it was read has nothing
    // new (a write that keeps its size is seen by inotify).
    FileReader* reader = followed_path->reader();
    if (reader == nullptr) continue;
    auto it = found.find(followed_path->path());
    if (it != found.end() && it->second.identity == reader->identity() &&
        reader->kind() == FileKind::text && it->second.size == reader->read_offset())
      continue;
    if (slice_over() || read_followed_path(*followed_path)) mark_dirty(*followed_path);
  }
  let_go_of_moved_files(found, now);

  followed_.clear();
  for (auto const& followed_path : followed_paths_)
    if (followed_path->reader() != nullptr) followed_.insert(followed_path->reader()->identity());
  // In path order, known paths and new ones alike: a file goes before its
  // name plus ".gz" (gzip may be making that of it, and it takes a position
  // first). At start, files with a saved position go first: one found
  // truncated leaves its position to its copy.
  std::set<std::string_view> tried_first;  // at start: not tried again in the second round
  for (int round = starting ? 0 : 1; round < 2; ++round) {
    for (auto const& [path, file] : found) {
      FollowedPath* followed_path = nullptr;
      if (auto it = by_path_.find(path); it != by_path_.end()) {
        followed_path = it->second;
        if (followed_path->reader() != nullptr) continue;
      }
      if (round == 0) {
        if (followed_path == nullptr && !checkpoints_.saved_inode(file.identity)) continue;
        tried_first.insert(path);
      } else if (starting && tried_first.contains(path)) {
        continue;
      }
      if (followed_path == nullptr) followed_path = &add_followed_path(path, starting);
      attach(*followed_path, file);
    }
  }
  keep_settled(found, now);
  keep_waiting(found, now);
  // A file too short to be known when the input started holds nothing to skip.
  if (starting)
    for (auto& followed_path : followed_paths_) followed_path->starting = false;

  finish_draining(now);
  forget_gone_paths(found, now);
  checkpoints_.expire(now);
  auto open =
      std::count_if(followed_paths_.begin(), followed_paths_.end(),
                    [](auto const& followed_path) { return followed_path->reader() != nullptr; });
  files_followed_->set(static_cast<double>(open));
}

void FileInput::let_go_of_moved_files(std::map<std::string, FoundFile> const& found,
                                      Clock::time_point now) {
  // Paths that name another file now, or none: let the old file go on
  // draining; it may still be written, or turn up under a name the glob finds.
  for (auto& followed_path : followed_paths_) {
    FileReader* reader = followed_path->reader();
    if (reader == nullptr) continue;
    auto it = found.find(followed_path->path());
    if (it != found.end() && it->second.identity == reader->identity()) continue;
    log_info(it == found.end() ? "file removed or renamed; reading the old file to its end"
                               : "file rotated; reading the old file to its end",
             {{"component", "file"}, {"input", config_.name}, {"path", followed_path->path()}});
    draining_.push_back(
        {followed_path->path(), followed_path->cells().lines, followed_path->release(), now});
  }
}

void FileInput::finish_draining(Clock::time_point now) {
  std::erase_if(draining_, [&](Draining& draining) {
    if (read_draining(draining)) return false;
    if (draining.reader->damage()) return true;
    if (now - draining.last_data < drain_grace_) return false;
    draining.lines->add(draining.reader->flush_partial(sink_for(draining.path)));
    log_info("stopped reading old file",
             {{"component", "file"},
              {"input", config_.name},
              {"path", draining.path},
              {"offset", std::to_string(draining.reader->read_offset())}});
    // Its position stays known: a compressed copy of it is then read on from there.
    checkpoints_.release(draining.reader->position(draining.path), now, HeldOrigin::let_go);
    return true;
  });
}

void FileInput::forget_gone_paths(std::map<std::string, FoundFile> const& found,
                                  Clock::time_point now) {
  // A path that stays gone for the drain grace, with nothing read from it any
  // more, loses its series; one that comes back sooner (rename rotation)
  // keeps them.
  std::erase_if(followed_paths_, [&](std::unique_ptr<FollowedPath>& followed_path) {
    if (found.contains(followed_path->path())) {
      followed_path->missing_since.reset();
      return false;
    }
    if (!followed_path->missing_since) followed_path->missing_since = now;
    if (followed_path->reader() != nullptr || now - *followed_path->missing_since < drain_grace_)
      return false;
    bool draining = std::any_of(draining_.begin(), draining_.end(),
                                [&](Draining const& d) { return d.path == followed_path->path(); });
    if (draining) return false;
    followed_path->remove_series();
    std::erase(dirty_, followed_path.get());
    by_path_.erase(followed_path->path());
    return true;
  });
}

FollowedPath& FileInput::add_followed_path(std::string const& path, bool starting) {
  auto followed_path = std::make_unique<FollowedPath>(path, hub_.store());
  followed_path->starting = starting;
  FollowedPath& ref = *followed_path;
  by_path_[path] = &ref;
  followed_paths_.push_back(std::move(followed_path));
  return ref;
}

void FileInput::count_skip(char const* reason) {
  hub_.store().counter(metric::kFileSkippedFamily).series({config_.name, reason}).add(1);
}

bool FileInput::read_draining(Draining& draining) {
  auto result = draining.reader->read(sink_for(draining.path), kReadBudget);
  draining.lines->add(result.lines);
  keep_truncated_position(*draining.reader, draining.path);
  if (draining.reader->damage()) give_up_damaged(*draining.reader, draining.path);
  if (result.bytes > 0) draining.last_data = Clock::now();
  return result.status == FileReader::Status::more;
}

}  // namespace cos_exporter
