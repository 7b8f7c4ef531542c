#include "cos_exporter/inputs/unixgram_input.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/parsing/malformed_reason.hpp"
#include "socket_options.hpp"

namespace cos_exporter {

namespace asio = boost::asio;
using asio::local::datagram_protocol;

namespace {

// True when a process is receiving on the socket file at `path`.
bool socket_is_live(std::string const& path) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return live;
}

}  // namespace

UnixgramInput::UnixgramInput(asio::io_context& io, UnixgramInputConfig config, CountingHub& hub,
                             std::size_t max_line_bytes)
    : io_(io),
      hub_(hub),
      config_(std::move(config)),
      socket_(io),
      processor_(LineParser(config_.format, config_.regex, max_line_bytes, config_.envelope),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      receiver_(hub.store(), config_.name) {}

void UnixgramInput::start() {
  std::string const& path = config_.path;
  auto fail = [&](std::string const& why) {
    throw std::runtime_error("input " + config_.name + ": cannot listen on unix socket " + path +
                             ": " + why);
  };
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISSOCK(info.st_mode)) fail("the path exists and is not a socket");
    if (socket_is_live(path)) fail("another process is listening on it");
    ::unlink(path.c_str());
    log_info("replaced a stale socket file", {{"input", config_.name}, {"path", path}});
  }
  std::error_code dir_error;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, dir_error);

  try {
    socket_.open();
    apply_receive_buffer(socket_.native_handle(), config_.read_buffer_bytes, config_.name);
    enable_drop_counting(socket_.native_handle(), config_.name);
    socket_.bind(datagram_protocol::endpoint(path));
    bound_ = true;
    socket_.non_blocking(true);
  } catch (boost::system::system_error const& e) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    fail(e.code().message());
  }
  apply_mode();
  receiver_.receive(socket_, io_, shared_from_this(),
                    [this](DatagramReceiver::Datagram const& datagram) {
                      if (datagram.truncated) {
                        // Larger than any datagram we take: its lines cannot be trusted whole.
                        processor_.count_too_long();
                        return;
                      }
                      processor_.process_lines(datagram.payload);
                    });
}

void UnixgramInput::stop() {
  if (socket_.is_open()) {
    refuse_new_unix_datagrams(socket_.native_handle(), config_.name);
    receiver_.drain_before_close(socket_.native_handle());
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (bound_) {
    ::unlink(config_.path.c_str());
    bound_ = false;
  }
}

void UnixgramInput::reconfigure(UnixgramInputConfig config, LineParser parser) {
  auto& store = hub_.store();
  if (config.name != config_.name) receiver_.rename(store, config.name);
  bool buffer_changed = config.read_buffer_bytes != config_.read_buffer_bytes;
  bool mode_changed = config.mode != config_.mode;
  processor_.reconfigure(std::move(parser), InputCounters(store, config.name), config.sdk);
  config_ = std::move(config);
  if (buffer_changed && socket_.is_open())
    apply_receive_buffer(socket_.native_handle(), config_.read_buffer_bytes, config_.name);
  if (mode_changed && bound_) apply_mode();
}

void UnixgramInput::apply_mode() {
  if (::chmod(config_.path.c_str(), static_cast<mode_t>(config_.mode)) != 0)
    log_warn("cannot set the socket's permissions",
             {{"input", config_.name}, {"path", config_.path}, {"error", errno_text(errno)}});
}

}  // namespace cos_exporter
