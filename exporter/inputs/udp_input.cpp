#include "cos_exporter/inputs/udp_input.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <cstring>
#include <stdexcept>

#include "cos_exporter/common/log.hpp"
#include "cos_exporter/config/listen_address.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "socket_options.hpp"

namespace cos_exporter {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

udp::endpoint resolve_endpoint(asio::io_context& io, std::string const& name,
                               std::string const& text) {
  auto address = parse_listen_address(text);
  if (!address) throw std::runtime_error("input " + name + ": invalid listen address " + text);
  if (address->host.empty()) return udp::endpoint(udp::v4(), address->port);
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address->host, ec);
  if (!ec) return udp::endpoint(ip, address->port);
  udp::resolver resolver(io);
  auto results = resolver.resolve(address->host, std::to_string(address->port), ec);
  if (ec || results.empty())
    throw std::runtime_error("input " + name + ": cannot resolve " + address->host + ": " +
                             ec.message());
  return *results.begin();
}

}  // namespace

UdpInput::UdpInput(asio::io_context& io, UdpInputConfig config, CountingHub& hub,
                   std::size_t max_line_bytes)
    : io_(io),
      hub_(hub),
      config_(std::move(config)),
      socket_(io),
      processor_(LineParser(config_.format, config_.regex, max_line_bytes, config_.envelope),
                 InputCounters(hub.store(), config_.name), hub, config_.sdk),
      receiver_(hub.store(), config_.name) {
  denied_ = &hub.store().counter(metric::kUdpDeniedFamily).series({config_.name});
}

void UdpInput::start() {
  udp::endpoint endpoint = resolve_endpoint(io_, config_.name, config_.listen);
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
  receiver_.receive(socket_, io_, shared_from_this(),
                    [this](DatagramReceiver::Datagram const& datagram) {
                      if (!allowed(datagram.source)) {
                        denied_->add(1);
                        return;
                      }
                      processor_.process_lines(datagram.payload);
                    });
}

void UdpInput::stop() {
  if (!socket_.is_open()) return;
  refuse_new_datagrams(socket_.native_handle(), config_.name);
  receiver_.drain_before_close(socket_.native_handle());
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void UdpInput::reconfigure(UdpInputConfig config, LineParser parser) {
  auto& store = hub_.store();
  if (config.name != config_.name) {
    receiver_.rename(store, config.name);
    denied_ = &store.counter(metric::kUdpDeniedFamily).series({config.name});
  }
  if (config.read_buffer_bytes != config_.read_buffer_bytes && socket_.is_open())
    apply_receive_buffer(socket_.native_handle(), config.read_buffer_bytes, config.name);
  processor_.reconfigure(std::move(parser), InputCounters(store, config.name), config.sdk);
  config_ = std::move(config);
}

std::string UdpInput::local_address() const {
  boost::system::error_code ec;
  auto endpoint = socket_.local_endpoint(ec);
  if (ec) return config_.listen;
  auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

bool UdpInput::allowed(sockaddr const* source) const noexcept {
  if (config_.allow.empty()) return true;
  if (source == nullptr) return false;
  for (auto const& cidr : config_.allow)
    if (cidr.contains(source)) return true;
  return false;
}

}  // namespace cos_exporter
