#include "watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"

namespace cos_exporter {
namespace {

constexpr std::uint32_t kDirectoryEvents = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO |
                                           IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                           IN_ONLYDIR;

}  // namespace

Watcher::Watcher(boost::asio::io_context& io, std::string input, Callbacks callbacks)
    : io_(io), input_(std::move(input)), callbacks_(std::move(callbacks)) {}

Watcher::~Watcher() {
  stop();
}

void Watcher::start(std::chrono::milliseconds poll_interval) {
  poll_interval_ = poll_interval;
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log_warn("inotify unavailable; polling files only",
             {{"component", "file"}, {"input", input_}, {"error", errno_text(errno)}});
  } else {
    inotify_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
    arm_inotify();
  }
  timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  arm_timer();
}

void Watcher::stop() {
  lifetime_.renew();
  if (timer_) timer_->cancel();
  timer_.reset();
  inotify_.reset();
  watch_dirs_.clear();
  watched_.clear();
}

void Watcher::arm_inotify() {
  inotify_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, alive = lifetime_.watch()](boost::system::error_code ec) {
                         if (ec || alive.expired()) return;
                         on_inotify();
                         if (!alive.expired() && inotify_) arm_inotify();
                       });
}

void Watcher::on_inotify() {
  alignas(inotify_event) char buffer[16 * 1024];
  int fd = inotify_->native_handle();
  bool look_again = false;
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
        look_again = true;  // events were lost
        continue;
      }
      auto dir = watch_dirs_.find(event->wd);
      if (dir == watch_dirs_.end()) continue;
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (event->mask & IN_IGNORED) {
          watched_.erase(dir->second);
          watch_dirs_.erase(dir);
        }
        look_again = true;
        continue;
      }
      if (event->len == 0) continue;
      if (event->mask & IN_MODIFY) {
        scratch_path_ = dir->second;
        if (scratch_path_ != "/") scratch_path_ += '/';
        scratch_path_ += std::string_view(event->name);
        callbacks_.written(scratch_path_);
      } else {
        look_again = true;  // created, moved, deleted, permissions changed
      }
    }
  }
  if (look_again) callbacks_.look_again();
}

void Watcher::watch(std::vector<std::string> const& directories) {
  if (!inotify_) return;
  for (auto const& directory : directories) {
    if (watched_.contains(directory)) continue;
    int wd = ::inotify_add_watch(inotify_->native_handle(), directory.c_str(), kDirectoryEvents);
    if (wd < 0) {
      // Missing yet, or not allowed: the poll finds the files anyway.
      if (errno != ENOENT && errno != ENOTDIR && !logged_no_watch_) {
        logged_no_watch_ = true;
        log_warn("cannot watch directory; polling it", {{"component", "file"},
                                                        {"input", input_},
                                                        {"directory", directory},
                                                        {"error", errno_text(errno)}});
      }
      continue;
    }
    watched_[directory] = wd;
    watch_dirs_[wd] = directory;
  }
}

void Watcher::arm_timer() {
  timer_->expires_after(poll_interval_);
  timer_->async_wait([this, alive = lifetime_.watch()](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    callbacks_.look_again();
    if (!alive.expired() && timer_) arm_timer();
  });
}

}  // namespace cos_exporter
