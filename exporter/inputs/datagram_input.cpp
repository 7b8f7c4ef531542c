#include "datagram_input.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <type_traits>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "listen_endpoint.hpp"
#include "socket_options.hpp"

namespace cos_exporter {

namespace asio = boost::asio;
using asio::ip::udp;
using asio::local::datagram_protocol;

namespace {

constexpr bool is_udp(UdpInputConfig const*) {
  return true;
}
constexpr bool is_udp(UnixgramInputConfig const*) {
  return false;
}

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

void apply_mode(UnixgramInputConfig const& config) {
  if (::chmod(config.path.c_str(), static_cast<mode_t>(config.mode)) != 0)
    log_warn("cannot set the socket's permissions",
             {{"input", config.name}, {"path", config.path}, {"error", errno_text(errno)}});
}

}  // namespace

// Where the input listens, for logs and the landing page.
template <>
std::string UdpInput::address() const {
  boost::system::error_code ec;
  auto endpoint = socket_.local_endpoint(ec);
  return ec ? config_.listen : endpoint_text(endpoint);
}

template <>
std::string UnixgramInput::address() const {
  return config_.path;
}

template <typename Config>
DatagramInput<Config>::DatagramInput(asio::io_context& io, Config config, CountingHub& hub,
                                     std::size_t max_line_bytes)
    : io_(io),
      hub_(hub),
      config_(std::move(config)),
      socket_(io),
      processor_(make_line_parser(config_, max_line_bytes),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      receiver_(hub.store(), config_.name),
      denied_(is_udp(&config_)
                  ? &hub.store().counter(metric::kUdpDeniedFamily).series({config_.name})
                  : nullptr) {}

template <typename Config>
void DatagramInput<Config>::start() {
  open_and_bind();
  receiver_.receive(socket_, io_, shared_from_this(),
                    [this](DatagramReceiver::Datagram const& datagram) { take(datagram); });
}

template <typename Config>
void DatagramInput<Config>::take(DatagramReceiver::Datagram const& datagram) noexcept {
  if (!allowed(datagram.source)) {
    denied_->add(1);
    return;
  }
  if (datagram.truncated) {
    // Larger than any datagram we take: its lines cannot be trusted whole.
    processor_.count_too_long();
    return;
  }
  processor_.process_lines(datagram.payload);
}

template <typename Config>
bool DatagramInput<Config>::allowed(sockaddr const* source) const noexcept {
  if constexpr (std::is_same_v<Config, UdpInputConfig>) {
    if (config_.allow.empty()) return true;
    if (source == nullptr) return false;
    for (auto const& cidr : config_.allow)
      if (cidr.contains(source)) return true;
    return false;
  } else {
    return true;  // the socket file's mode decides who may send
  }
}

template <typename Config>
void DatagramInput<Config>::stop() {
  if (socket_.is_open()) {
    refuse_new();
    receiver_.drain_before_close(socket_.native_handle());
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
  release_address();
}

template <typename Config>
void DatagramInput<Config>::reconfigure(InputConfig const& settings, LineParser parser,
                                        InputContext const& context) {
  Config const& next = std::get<Config>(settings);
  auto& store = context.hub.store();
  if (next.name != config_.name) {
    receiver_.rename(store, next.name);
    if (denied_) denied_ = &store.counter(metric::kUdpDeniedFamily).series({next.name});
  }
  if (next.read_buffer_bytes != config_.read_buffer_bytes && socket_.is_open())
    apply_receive_buffer(socket_.native_handle(), next.read_buffer_bytes, next.name);
  processor_.reconfigure(std::move(parser), InputCounters(store, next.name), next.sdk);
  take_over(next);
}

template <typename Config>
InputStatus DatagramInput<Config>::status() const {
  return {config_.name,
          is_udp(&config_) ? "udp" : "unixgram",
          address(),
          "listening",
          processor_.counters().received->value(),
          processor_.counters().malformed_total()};
}

// UDP

template <>
void UdpInput::open_and_bind() {
  udp::endpoint endpoint = resolve_listen_endpoint<udp>(io_, config_.name, config_.listen);
  try {
    socket_.open(endpoint.protocol());
    apply_receive_buffer(socket_.native_handle(), config_.read_buffer_bytes, config_.name);
    enable_drop_counting(socket_.native_handle(), config_.name);
    socket_.bind(endpoint);
    socket_.non_blocking(true);
  } catch (boost::system::system_error const& e) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    throw std::runtime_error("input " + config_.name + ": cannot listen on udp " + config_.listen +
                             ": " + e.code().message());
  }
  log_info("input listening", {{"input", config_.name}, {"kind", "udp"}, {"address", address()}});
}

template <>
void UdpInput::refuse_new() {
  refuse_new_datagrams(socket_.native_handle(), config_.name);
}

template <>
void UdpInput::release_address() {}

template <>
void UdpInput::take_over(UdpInputConfig const& next) {
  config_ = next;
}

// unix

template <>
void UnixgramInput::open_and_bind() {
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
  apply_mode(config_);
  log_info("input listening", {{"input", config_.name}, {"kind", "unixgram"}, {"path", path}});
}

template <>
void UnixgramInput::refuse_new() {
  refuse_new_unix_datagrams(socket_.native_handle(), config_.name);
}

template <>
void UnixgramInput::release_address() {
  if (bound_) {
    ::unlink(config_.path.c_str());
    bound_ = false;
  }
}

template <>
void UnixgramInput::take_over(UnixgramInputConfig const& next) {
  bool mode_changed = next.mode != config_.mode;
  config_ = next;
  if (mode_changed && bound_) apply_mode(config_);
}

template class DatagramInput<UdpInputConfig>;
template class DatagramInput<UnixgramInputConfig>;

}  // namespace cos_exporter
