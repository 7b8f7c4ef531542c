#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "exposition/gzip.hpp"

using namespace cos_exporter;

TEST_CASE("gzip: Accept-Encoding decides", "[http][gzip]") {
  for (char const* yes : {"gzip", "GZip", "x-gzip", "deflate, gzip", "gzip;q=0.5", "gzip; q=1",
                          "br;q=1.0, gzip;q=0.8, *;q=0.1", "*", "identity, *;q=0.5",
                          "gzip;q=0, x-gzip;q=1", " gzip ,deflate"}) {
    INFO(yes);
    CHECK(accepts_gzip(yes));
  }
  for (char const* no : {"", "identity", "deflate, br", "gzip;q=0", "gzip;q=0.000", "GZIP; Q=0",
                         "*;q=0", "gzip;q=0, *", "gzip;q=abc", "gzipped", "xgzip"}) {
    INFO(no);
    CHECK_FALSE(accepts_gzip(no));
  }
}

TEST_CASE("gzip: compress and decompress round-trip", "[http][gzip]") {
  std::mt19937 random(42);
  std::string noise(100000, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  std::string metrics;
  for (int i = 0; i < 5000; ++i)
    metrics += "cos_errors_total{category=\"proxy\",code=\"-" + std::to_string(i % 300) +
               "\",name=\"ERROR_PROXY_SOMETHING\"} " + std::to_string(i) + "\n";

  for (std::string const& input : {std::string(), std::string("a"), noise, metrics}) {
    std::string packed = gzip_compress(input);
    REQUIRE(packed.size() >= 18);  // header + trailer
    CHECK(static_cast<unsigned char>(packed[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(packed[1]) == 0x8b);
    CHECK(packed[2] == 8);  // deflate
    auto unpacked = gzip_decompress(packed);
    REQUIRE(unpacked);
    CHECK(*unpacked == input);
  }
  CHECK(gzip_compress(metrics).size() * 10 < metrics.size());
  CHECK(gzip_compress(metrics, 1).size() * 5 < metrics.size());
}

TEST_CASE("gzip: decompress refuses what is not whole, valid gzip", "[http][gzip]") {
  std::string packed = gzip_compress(std::string(10000, 'x'));
  CHECK_FALSE(gzip_decompress(""));
  CHECK_FALSE(gzip_decompress("not gzip at all"));
  CHECK_FALSE(gzip_decompress(packed.substr(0, packed.size() - 4)));  // no trailer
  CHECK_FALSE(gzip_decompress(packed + "junk"));
  std::string corrupt = packed;
  corrupt[corrupt.size() - 6] ^= 0x55;  // CRC mismatch
  CHECK_FALSE(gzip_decompress(corrupt));
  CHECK_FALSE(gzip_decompress(packed, 9999));  // a bomb guard
  CHECK(gzip_decompress(packed, 10000));
}
