// Callbacks of an object with one owner find out whether it still wants them.
#include <catch2/catch.hpp>

#include "cos_exporter/common/lifetime.hpp"

using cos_exporter::Lifetime;

TEST_CASE("a watch is live until the lifetime ends, and stays expired after", "[lifetime]") {
  Lifetime lifetime;
  auto before = lifetime.watch();
  CHECK_FALSE(before.expired());
  lifetime.end();
  CHECK(before.expired());
  CHECK(lifetime.watch().expired());
}

TEST_CASE("renewing ends the earlier watches and lets later ones live", "[lifetime]") {
  Lifetime lifetime;
  auto before = lifetime.watch();
  lifetime.renew();
  CHECK(before.expired());
  CHECK_FALSE(lifetime.watch().expired());
}

TEST_CASE("a watch outlives its lifetime's object without dangling", "[lifetime]") {
  Lifetime::Watch watch;
  {
    Lifetime lifetime;
    watch = lifetime.watch();
  }
  CHECK(watch.expired());
}
