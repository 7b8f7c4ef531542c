#pragma once

#include <memory>

namespace cos_exporter {

// How a callback posted by an object with one owner (a file input's posts, the
// watcher's timer and inotify waits, the HTTP auth queue) finds out, when it
// runs, whether that object still wants it: it captures `this` and watch(), and
// returns at once when the watch has expired. end() or renew() (from stop()
// or the destructor) makes every watch taken before it expire; the io_context's single
// thread makes the check and the object's end never overlap. A shared object
// (an HTTP session, an Input) captures shared_from_this() instead, which keeps
// it alive until the callback has run.
class Lifetime {
 public:
  using Watch = std::weak_ptr<void const>;

  Watch watch() const { return token_; }
  // Every watch, taken before or after, has expired.
  void end() { token_.reset(); }
  // The watches taken before have expired; those taken after are live (an
  // object that can be started again after a stop).
  void renew() { token_ = std::make_shared<char const>(0); }

 private:
  std::shared_ptr<void const> token_ = std::make_shared<char const>(0);
};

}  // namespace cos_exporter
