#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cos_exporter/common/lifetime.hpp"

namespace cos_exporter {

// Tells a file input when to look: inotify on every directory its files can
// be in (a written file is reported by its path; anything else, and lost
// events, ask for a full pass), and a periodic poll that asks for a full pass
// whatever inotify says (inotify may be unavailable, or the directory not
// exist yet). Runs on the io_context's thread.
class Watcher {
 public:
  struct Callbacks {
    std::function<void(std::string const& path)> written;
    std::function<void()> look_again;
  };
  Watcher(boost::asio::io_context& io, std::string input, Callbacks callbacks);
  ~Watcher();
  Watcher(Watcher const&) = delete;
  Watcher& operator=(Watcher const&) = delete;

  void start(std::chrono::milliseconds poll_interval);
  void stop();
  // Adds watches for directories not watched yet.
  void watch(std::vector<std::string> const& directories);
  bool has_inotify() const { return inotify_ != nullptr; }
  // The input's name, for logs.
  void set_input(std::string input) { input_ = std::move(input); }

 private:
  void arm_inotify();
  void on_inotify();
  void arm_timer();

  boost::asio::io_context& io_;
  std::string input_;
  Callbacks callbacks_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::map<int, std::string> watch_dirs_;  // watch descriptor -> directory
  std::map<std::string, int> watched_;     // directory -> watch descriptor
  std::string scratch_path_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds poll_interval_{1000};
  bool logged_no_watch_ = false;
  Lifetime lifetime_;
};

}  // namespace cos_exporter
