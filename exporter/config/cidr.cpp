#include "cos_exporter/config/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace cos_exporter {

std::optional<Cidr> Cidr::parse(std::string_view text) {
  Cidr cidr;
  cidr.text_ = std::string(text);
  std::string_view address = text;
  auto slash = text.find('/');
  if (slash != std::string_view::npos) address = text.substr(0, slash);
  std::string address_string(address);
  cidr.is_v6_ = address.find(':') != std::string_view::npos;
  int max_prefix = cidr.is_v6_ ? 128 : 32;
  if (::inet_pton(cidr.is_v6_ ? AF_INET6 : AF_INET, address_string.c_str(), cidr.bytes_.data()) !=
      1)
    return std::nullopt;
  cidr.prefix_length_ = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view prefix = text.substr(slash + 1);
    auto [end, ec] =
        std::from_chars(prefix.data(), prefix.data() + prefix.size(), cidr.prefix_length_);
    if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size() ||
        cidr.prefix_length_ < 0 || cidr.prefix_length_ > max_prefix)
      return std::nullopt;
  }
  return cidr;
}

bool Cidr::contains(sockaddr const* address) const noexcept {
  std::uint8_t const* bytes = nullptr;
  if (address->sa_family == AF_INET) {
    if (is_v6_) return false;
    bytes = reinterpret_cast<std::uint8_t const*>(
        &reinterpret_cast<sockaddr_in const*>(address)->sin_addr);
  } else if (address->sa_family == AF_INET6) {
    auto const* v6 = &reinterpret_cast<sockaddr_in6 const*>(address)->sin6_addr;
    bytes = reinterpret_cast<std::uint8_t const*>(v6);
    if (!is_v6_) {
      if (!IN6_IS_ADDR_V4MAPPED(v6)) return false;
      bytes += 12;  // the IPv4 address inside ::ffff:a.b.c.d
    }
  } else {
    return false;
  }
  int full_bytes = prefix_length_ / 8;
  if (std::memcmp(bytes, bytes_.data(), full_bytes) != 0) return false;
  int rest = prefix_length_ % 8;
  if (rest == 0) return true;
  std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (bytes[full_bytes] & mask) == (bytes_[full_bytes] & mask);
}

}  // namespace cos_exporter
