#include "auth_queue.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace cos_exporter {

namespace asio = boost::asio;

AuthQueue::AuthQueue(asio::io_context& io, std::size_t max_pending)
    : io_(io),
      max_pending_(std::max<std::size_t>(max_pending, 1)),
      worker_(std::make_unique<asio::thread_pool>(1)) {}

AuthQueue::~AuthQueue() {
  stop();
}

void AuthQueue::stop() {
  lifetime_.end();  // checks still running find the queue gone
  // The waiting checks hold their connections, which hold the server state
  // that holds this queue: let go of them.
  waiting_.clear();
  turns_.clear();
  if (!worker_) return;
  worker_->stop();
  worker_->join();
  worker_.reset();
}

void AuthQueue::refuse(Job& job) {
  ++refused_busy_;
  Done done = std::move(job.done);
  done(Outcome::busy);
}

void AuthQueue::submit(std::string const& source, Check check, Done done) {
  Job job{std::move(check), std::move(done)};
  if (!worker_) return refuse(job);
  if (pending_ >= max_pending_) {
    auto busiest = waiting_.end();
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it)
      if (busiest == waiting_.end() || it->second.size() > busiest->second.size()) busiest = it;
    auto own = waiting_.find(source);
    std::size_t own_waiting = own == waiting_.end() ? 0 : own->second.size();
    if (busiest == waiting_.end() || busiest->second.size() <= own_waiting + 1) return refuse(job);
    Job displaced = std::move(busiest->second.back());
    busiest->second.pop_back();
    --pending_;
    refuse(displaced);
  }
  auto& queue = waiting_[source];
  if (queue.empty()) turns_.push_back(source);
  queue.push_back(std::move(job));
  ++pending_;
  run_next();
}

void AuthQueue::run_next() {
  if (running_ || turns_.empty() || !worker_) return;
  std::string source = std::move(turns_.front());
  turns_.pop_front();
  auto queue = waiting_.find(source);
  Job job = std::move(queue->second.front());
  queue->second.pop_front();
  if (queue->second.empty()) {
    waiting_.erase(queue);
  } else {
    turns_.push_back(std::move(source));
  }
  running_ = true;
  asio::post(*worker_, [this, alive = lifetime_.watch(), job = std::move(job),
                        guard = asio::make_work_guard(io_)]() mutable {
    bool ok = job.check();
    asio::post(io_, [this, alive = std::move(alive), ok, job = std::move(job),
                     guard = std::move(guard)]() mutable {
      if (alive.expired()) return;
      running_ = false;
      --pending_;
      job.done(ok ? Outcome::accepted : Outcome::rejected);
      run_next();
    });
  });
}

}  // namespace cos_exporter
