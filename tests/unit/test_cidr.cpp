#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "cos_exporter/config/cidr.hpp"

using namespace cos_exporter;

namespace {

sockaddr_storage address(char const* text) {
  sockaddr_storage storage{};
  if (std::string_view(text).find(':') != std::string_view::npos) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &v6->sin6_addr);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    inet_pton(AF_INET, text, &v4->sin_addr);
  }
  return storage;
}

bool allows(char const* cidr, char const* source) {
  auto parsed = Cidr::parse(cidr);
  REQUIRE(parsed);
  auto storage = address(source);
  return parsed->contains(reinterpret_cast<sockaddr const*>(&storage));
}

}  // namespace

TEST_CASE("CIDR matching", "[cidr]") {
  CHECK(allows("127.0.0.0/8", "127.1.2.3"));
  CHECK_FALSE(allows("127.0.0.0/8", "128.0.0.1"));
  CHECK(allows("10.1.0.0/17", "10.1.127.255"));
  CHECK_FALSE(allows("10.1.0.0/17", "10.1.128.0"));
  CHECK(allows("::1/128", "::1"));
  CHECK_FALSE(allows("::1/128", "::2"));
  CHECK(allows("fd00::/8", "fd12::1"));
  CHECK(allows("127.0.0.0/8", "::ffff:127.0.0.1"));  // IPv4-mapped source
  CHECK_FALSE(allows("::1/128", "127.0.0.1"));
  CHECK(allows("0.0.0.0/0", "8.8.8.8"));
  CHECK(allows("192.168.1.1", "192.168.1.1"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
  CHECK_FALSE(Cidr::parse("10.0.0/8"));
  CHECK_FALSE(Cidr::parse("::1/129"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/x"));
}
