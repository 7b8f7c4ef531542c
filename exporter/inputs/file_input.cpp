#include "cos_exporter/inputs/file_input.hpp"

#include <glob.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {
namespace {

// Bytes read from one file per pass before the other handlers get a turn.
constexpr std::size_t kReadBudget = 1024 * 1024;
// A path whose file has been gone this long is no longer tracked (a file that
// comes back later is then simply a new file, still read from 0).
constexpr auto kForgetAfter = std::chrono::minutes(5);

constexpr std::uint32_t kDirectoryEvents = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO |
                                           IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                           IN_ONLYDIR;

bool has_glob_magic(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

std::string basename_of(std::string const& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

FileInput::FileInput(boost::asio::io_context& io, FileInputConfig config, CountingHub& hub,
                     PositionStore* positions, std::size_t max_line_bytes)
    : io_(io),
      config_(std::move(config)),
      hub_(hub),
      positions_(positions),
      max_line_bytes_(max_line_bytes),
      processor_(LineParser(config_.format, config_.regex, max_line_bytes, config_.envelope),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      files_followed_(&hub.store().gauge(metric::kFileInputFilesFamily).series({config_.name})) {}

FileInput::~FileInput() {
  stop();
}

std::string FileInput::directory_of(std::string const& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string FileInput::event_key(std::string const& directory, std::string_view name) {
  std::string key = directory;
  if (key != "/") key += '/';
  key += name;
  return key;
}

// ------------------------------------------------------------ start and stop

void FileInput::start() {
  if (started_) return;
  started_ = true;
  if (positions_ != nullptr) {
    unclaimed_ = positions_->positions(config_.name);
    for (auto const& saved : unclaimed_) saved_paths_.push_back(saved.path);
  }
  open_inotify();
  full_pass(/*starting=*/true);
  unclaimed_.clear();
  saved_paths_.clear();
  for (auto& tailer : tailers_) tailer->dirty = true;
  schedule_pass();
  timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  arm_timer();
  if (positions_ != nullptr) positions_->add_provider(this, [this] { record_positions(); });
  log_info("file input started", {{"component", "file"},
                                  {"input", config_.name},
                                  {"glob", config_.path},
                                  {"files", std::to_string(tailers_.size())},
                                  {"inotify", inotify_ ? "true" : "false"}});
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
  if (timer_) timer_->cancel();
  timer_.reset();
  inotify_.reset();
  draining_.clear();
  by_event_key_.clear();
  by_path_.clear();
  tailers_.clear();
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
  config_ = std::move(config);
  max_line_bytes_ = max_line_bytes;
  positions_ = positions;
  if (store_changed && live && positions_ != nullptr) {
    positions_->add_provider(this, [this] { record_positions(); });
    record_positions();
  }
}

void FileInput::record_positions() {
  if (positions_ == nullptr || !started_) return;
  std::vector<FilePosition> list;
  for (auto const& tailer : tailers_) {
    if (tailer->reader() != nullptr)
      list.push_back(tailer->reader()->position(tailer->path()));
    else if (tailer->pending_position())
      list.push_back(*tailer->pending_position());
  }
  for (auto const& draining : draining_) list.push_back(draining.reader->position(draining.path));
  positions_->set_positions(config_.name, std::move(list));
}

std::vector<std::string> FileInput::followed_paths() const {
  std::vector<std::string> paths;
  for (auto const& tailer : tailers_)
    if (tailer->reader() != nullptr) paths.push_back(tailer->path());
  std::sort(paths.begin(), paths.end());
  return paths;
}

// ------------------------------------------------------------------- inotify

void FileInput::open_inotify() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log_warn("inotify unavailable; polling files only",
             {{"component", "file"}, {"input", config_.name}, {"error", errno_text(errno)}});
    return;
  }
  inotify_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  arm_inotify();
}

void FileInput::arm_inotify() {
  inotify_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
                         if (ec || alive.expired() || stopped_) return;
                         on_inotify();
                         arm_inotify();
                       });
}

void FileInput::on_inotify() {
  alignas(inotify_event) char buffer[16 * 1024];
  int fd = inotify_->native_handle();
  // Edge-triggered: read until the queue is empty before waiting again.
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained
    }
    if (n == 0) break;
    for (char* p = buffer; p < buffer + n;) {
      auto* event = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        full_requested_ = true;  // events were lost: look at everything again
        continue;
      }
      auto dir = watch_dirs_.find(event->wd);
      if (dir == watch_dirs_.end()) continue;
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (event->mask & IN_IGNORED) {
          watched_.erase(dir->second);
          watch_dirs_.erase(dir);
        }
        full_requested_ = true;
        continue;
      }
      if (event->len == 0) continue;
      if (event->mask & IN_MODIFY) {
        scratch_key_ = dir->second;
        if (scratch_key_ != "/") scratch_key_ += '/';
        scratch_key_ += std::string_view(event->name);
        if (auto it = by_event_key_.find(scratch_key_); it != by_event_key_.end())
          it->second->dirty = true;
      } else {
        full_requested_ = true;  // created, moved, deleted, permissions changed
      }
    }
  }
  schedule_pass();
}

void FileInput::update_watches() {
  if (!inotify_) return;
  std::string pattern = directory_of(config_.path);
  std::vector<std::string> directories;
  if (has_glob_magic(pattern)) {
    glob_t matches{};
    if (::glob(pattern.c_str(), GLOB_ONLYDIR | GLOB_NOSORT, nullptr, &matches) == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
        struct stat st {};
        if (::stat(matches.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode))
          directories.emplace_back(matches.gl_pathv[i]);
      }
    }
    ::globfree(&matches);
  } else {
    directories.push_back(pattern);
  }
  for (auto const& directory : directories) {
    if (watched_.contains(directory)) continue;
    int wd = ::inotify_add_watch(inotify_->native_handle(), directory.c_str(), kDirectoryEvents);
    if (wd < 0) {
      // Missing yet, or not allowed: the poll finds the files anyway.
      if (errno != ENOENT && errno != ENOTDIR && !logged_no_inotify_) {
        logged_no_inotify_ = true;
        log_warn("cannot watch directory; polling it", {{"component", "file"},
                                                        {"input", config_.name},
                                                        {"directory", directory},
                                                        {"error", errno_text(errno)}});
      }
      continue;
    }
    watched_[directory] = wd;
    watch_dirs_[wd] = directory;
  }
}

// ---------------------------------------------------------------- the passes

void FileInput::arm_timer() {
  timer_->expires_after(poll_interval_);
  timer_->async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired() || stopped_) return;
    full_requested_ = true;
    schedule_pass();
    arm_timer();
  });
}

void FileInput::schedule_pass() {
  if (pass_posted_ || stopped_) return;
  pass_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
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
  if (full_requested_) {
    full_requested_ = false;
    full_pass(/*starting=*/false);
    for (auto& tailer : tailers_) tailer->dirty = true;
  }
  bool more = false;
  for (auto& tailer : tailers_) {
    if (!tailer->dirty) continue;
    tailer->dirty = tailer->read(sink_for(tailer->path()), kReadBudget, config_.name);
    more = more || tailer->dirty;
  }
  for (auto& draining : draining_) more = read_draining(draining) || more;
  if (more) schedule_pass();
}

std::map<std::string, FileIdentity> FileInput::glob_files() const {
  std::map<std::string, FileIdentity> found;
  glob_t matches{};
  if (::glob(config_.path.c_str(), GLOB_NOSORT, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(matches.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
      found.emplace(matches.gl_pathv[i], FileIdentity{static_cast<std::uint64_t>(st.st_dev),
                                                      static_cast<std::uint64_t>(st.st_ino)});
    }
  }
  ::globfree(&matches);
  return found;
}

void FileInput::full_pass(bool starting) {
  auto now = std::chrono::steady_clock::now();
  update_watches();
  auto found = glob_files();
  std::set<FileIdentity> followed;

  // Paths that name another file now, or none: let the old file go on
  // draining; it may still be written, or turn up under a name the glob finds.
  for (auto& tailer : tailers_) {
    auto it = found.find(tailer->path());
    if (FileReader* reader = tailer->reader()) {
      if (it == found.end() || it->second != reader->identity()) {
        tailer->read(sink_for(tailer->path()), kReadBudget, config_.name);
        log_info(it == found.end() ? "file removed or renamed; reading the old file to its end"
                                   : "file rotated; reading the old file to its end",
                 {{"component", "file"}, {"input", config_.name}, {"path", tailer->path()}});
        draining_.push_back({tailer->path(), tailer->cells().lines, tailer->release(), now});
      } else {
        followed.insert(reader->identity());
      }
    }
    if (it == found.end()) {
      if (!tailer->missing_since) tailer->missing_since = now;
    } else {
      tailer->missing_since.reset();
    }
  }
  for (auto& tailer : tailers_) {
    if (tailer->reader() != nullptr) continue;
    if (auto it = found.find(tailer->path()); it != found.end())
      attach(*tailer, it->second, followed);
  }
  for (auto const& [path, identity] : found) {
    if (by_path_.contains(path)) continue;
    attach(add_tailer(path, identity, starting), identity, followed);
  }
  files_followed_->set(static_cast<double>(followed.size()));

  std::erase_if(tailers_, [&](std::unique_ptr<FileTailer> const& tailer) {
    if (tailer->reader() != nullptr || !tailer->missing_since ||
        now - *tailer->missing_since < kForgetAfter)
      return false;
    by_path_.erase(tailer->path());
    by_event_key_.erase(event_key(directory_of(tailer->path()), basename_of(tailer->path())));
    return true;
  });

  std::erase_if(draining_, [&](Draining& draining) {
    if (read_draining(draining) || now - draining.last_data < drain_grace_) return false;
    draining.lines->add(draining.reader->flush_partial(sink_for(draining.path)));
    log_info("stopped reading old file",
             {{"component", "file"},
              {"input", config_.name},
              {"path", draining.path},
              {"offset", std::to_string(draining.reader->read_offset())}});
    return true;
  });
}

FileTailer& FileInput::add_tailer(std::string const& path, FileIdentity identity, bool starting) {
  auto tailer =
      std::make_unique<FileTailer>(path, FileCells::create(hub_.store(), path), max_line_bytes_);
  if (!starting) {
    tailer->set_start(FileTailer::Start::beginning);  // appeared while running: all of it is new
  } else {
    // The saved position of this file, under this path or another one (rotated
    // while the daemon was down).
    auto best = unclaimed_.end();
    for (auto it = unclaimed_.begin(); it != unclaimed_.end(); ++it) {
      if (it->device != identity.device || it->inode != identity.inode) continue;
      if (best == unclaimed_.end() || it->path == path) best = it;
    }
    if (best != unclaimed_.end()) {
      tailer->set_start(FileTailer::Start::resume, *best);
      unclaimed_.erase(best);
    } else if (std::find(saved_paths_.begin(), saved_paths_.end(), path) != saved_paths_.end()) {
      // Another file was here before the restart: this one is new.
      tailer->set_start(FileTailer::Start::beginning, std::nullopt, /*replaced=*/true);
    } else {
      tailer->set_start(config_.start_at == StartAt::end ? FileTailer::Start::end
                                                         : FileTailer::Start::beginning);
    }
  }
  FileTailer& ref = *tailer;
  by_path_[path] = &ref;
  by_event_key_[event_key(directory_of(path), basename_of(path))] = &ref;
  tailers_.push_back(std::move(tailer));
  return ref;
}

void FileInput::attach(FileTailer& tailer, FileIdentity identity,
                       std::set<FileIdentity>& followed) {
  if (followed.contains(identity)) return;  // read through another path already
  for (auto it = draining_.begin(); it != draining_.end(); ++it) {
    if (it->reader->identity() != identity) continue;
    log_info("following rotated file under its new name", {{"component", "file"},
                                                           {"input", config_.name},
                                                           {"path", tailer.path()},
                                                           {"was", it->path}});
    tailer.adopt(std::move(it->reader));
    draining_.erase(it);
    followed.insert(identity);
    return;
  }
  if (tailer.open(config_.name) == FileTailer::OpenResult::opened)
    followed.insert(tailer.reader()->identity());
}

bool FileInput::read_draining(Draining& draining) {
  auto result = draining.reader->read(sink_for(draining.path), kReadBudget);
  draining.lines->add(result.lines);
  if (result.bytes > 0) draining.last_data = std::chrono::steady_clock::now();
  return result.status == FileReader::Status::more;
}

}  // namespace cos_exporter
