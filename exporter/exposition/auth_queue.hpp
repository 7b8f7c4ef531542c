#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

#include "cos_exporter/common/lifetime.hpp"

namespace cos_exporter {

// Password checks (bcrypt, tens of milliseconds each) waiting for the one
// worker thread, served fairly: each source address in turn takes one check,
// so a flood from one address delays another address by at most one check
// per busy address, not by the whole queue. When `max_pending` checks wait,
// a newcomer displaces the newest check of the address with the most waiting
// (that one is refused as busy), unless the newcomer's own address has as
// many: then the newcomer is refused.
//
// Threading: submit() and every `done` on the event loop's thread; `check`
// on the worker.
class AuthQueue {
 public:
  enum class Outcome { accepted, rejected, busy };
  using Check = std::function<bool()>;
  using Done = std::function<void(Outcome)>;

  AuthQueue(boost::asio::io_context& io, std::size_t max_pending);
  ~AuthQueue();  // joins the worker; checks still waiting are dropped
  AuthQueue(AuthQueue const&) = delete;
  AuthQueue& operator=(AuthQueue const&) = delete;

  void submit(std::string const& source, Check check, Done done);
  // Stops the worker and waits for it; nothing runs afterwards.
  void stop();

  std::size_t refused_busy() const { return refused_busy_; }

 private:
  struct Job {
    Check check;
    Done done;
  };
  void refuse(Job& job);
  void run_next();

  boost::asio::io_context& io_;
  std::size_t max_pending_;
  std::unique_ptr<boost::asio::thread_pool> worker_;
  std::map<std::string, std::deque<Job>> waiting_;  // by source address
  std::deque<std::string> turns_;                   // sources with checks waiting, in turn
  std::size_t pending_ = 0;                         // waiting and running
  bool running_ = false;
  std::size_t refused_busy_ = 0;
  // Callbacks hold it weakly: expired once the queue is stopped or gone.
  Lifetime lifetime_;
};

}  // namespace cos_exporter
