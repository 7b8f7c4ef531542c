#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <stdexcept>
#include <string>

#include "cos_exporter/config/listen_address.hpp"

namespace cos_exporter {

// The endpoint an input's `listen` names (host:port, [v6]:port, :port for
// every IPv4 address, or a name to resolve), for a UDP or TCP socket. Throws
// naming the input when it is no address or does not resolve.
template <class Protocol>
typename Protocol::endpoint resolve_listen_endpoint(boost::asio::io_context& io,
                                                    std::string const& input,
                                                    std::string const& listen) {
  using Endpoint = typename Protocol::endpoint;
  auto address = parse_listen_address(listen);
  if (!address) throw std::runtime_error("input " + input + ": invalid listen address " + listen);
  if (address->host.empty()) return Endpoint(Protocol::v4(), address->port);
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address->host, ec);
  if (!ec) return Endpoint(ip, address->port);
  typename Protocol::resolver resolver(io);
  auto results = resolver.resolve(address->host, std::to_string(address->port), ec);
  if (ec || results.empty())
    throw std::runtime_error("input " + input + ": cannot resolve " + address->host + ": " +
                             ec.message());
  return *results.begin();
}

// Opens `acceptor` on the endpoint `listen` names and listens there. Throws
// naming the input, its kind ("tcp", "otlp") and the address when it cannot;
// the acceptor is closed then.
inline void listen_on(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor& acceptor,
                      std::string const& input, char const* kind, std::string const& listen) {
  using boost::asio::ip::tcp;
  tcp::endpoint endpoint = resolve_listen_endpoint<tcp>(io, input, listen);
  try {
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(boost::asio::socket_base::max_listen_connections);
  } catch (boost::system::system_error const& e) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error("input " + input + ": cannot listen on " + kind + " " + listen + ": " +
                             e.code().message());
  }
}

// A bound or peer endpoint as logs and the landing page show it:
// "127.0.0.1:9742", "[::1]:9742".
template <class Endpoint>
std::string endpoint_text(Endpoint const& endpoint) {
  auto ip = endpoint.address();
  return (ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace cos_exporter
