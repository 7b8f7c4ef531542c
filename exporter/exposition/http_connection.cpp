#include "http_connection.hpp"

#include <malloc.h>

#include <chrono>

namespace cos_exporter::http_detail {

Connection::Connection(std::shared_ptr<ServerState> state) : state_(std::move(state)) {
  state_->connections.insert(this);
  idle_since_ = ++state_->idle_sequence;
}

Connection::~Connection() {
  forget();
}

void Connection::forget() {
  state_->connections.erase(this);
}

void Connection::set_idle(bool idle) {
  if (idle && !idle_) idle_since_ = ++state_->idle_sequence;
  idle_ = idle;
}

bool UnsentBytes::acquire(std::shared_ptr<std::string const> const& body, std::size_t limit) {
  auto found = senders_.find(body.get());
  if (found != senders_.end()) {
    ++found->second;
    return true;
  }
  constexpr std::size_t kSmall = 64 * 1024;
  if (total_ != 0 && body->size() > kSmall && total_ + body->size() > limit) return false;
  senders_.emplace(body.get(), 1);
  total_ += body->size();
  return true;
}

bool UnsentBytes::release(std::shared_ptr<std::string const> const& body, std::size_t large) {
  auto found = senders_.find(body.get());
  if (found == senders_.end() || --found->second != 0) return false;
  senders_.erase(found);
  total_ -= body->size();
  return body->size() >= large;
}

void ServerState::trim_memory_soon() {
  // glibc keeps freed megabyte-sized blocks for reuse (its mmap threshold
  // grows after such frees), so the memory of a burst of large unsent
  // responses would stay with the process.
  if (trim_pending) return;
  trim_pending = true;
  trim_timer.expires_after(std::chrono::seconds(1));
  trim_timer.async_wait([this](boost::system::error_code const& ec) {
    if (ec) return;  // the state is being destroyed
    trim_pending = false;
    ::malloc_trim(0);
  });
}

std::string format_endpoint(boost::asio::ip::tcp::endpoint const& endpoint) {
  auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace cos_exporter::http_detail
