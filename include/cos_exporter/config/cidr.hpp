#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cos_exporter {

// An IPv4 or IPv6 network, for the UDP `allow` list. IPv4 networks also match
// IPv4-mapped IPv6 sources (::ffff:a.b.c.d).
class Cidr {
 public:
  static std::optional<Cidr> parse(std::string_view text);  // "10.0.0.0/8", "::1/128", "127.0.0.1"

  bool contains(sockaddr const* address) const noexcept;
  std::string to_string() const { return text_; }
  bool operator==(Cidr const& other) const { return text_ == other.text_; }

 private:
  bool is_v6_ = false;
  std::array<std::uint8_t, 16> bytes_{};
  int prefix_length_ = 0;
  std::string text_;
};

}  // namespace cos_exporter
