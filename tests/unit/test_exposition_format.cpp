#include <catch2/catch.hpp>

#include "cos_exporter/exposition/exposition_format.hpp"

using namespace cos_exporter;

TEST_CASE("exposition format: the Accept header decides", "[exposition]") {
  using F = ExpositionFormat;
  struct Case {
    char const* accept;
    F expected;
  };
  for (auto const& [accept, expected] : {
           Case{"application/openmetrics-text;version=1.0.0,application/"
                "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                F::openmetrics_1_0_0},
           Case{"application/openmetrics-text;version=0.0.1,text/plain;version=0.0.4;q=0.5",
                F::openmetrics_0_0_1},
           Case{"application/openmetrics-text; version=\"0.0.1\"", F::openmetrics_0_0_1},
           Case{"Application/OpenMetrics-Text", F::openmetrics_1_0_0},
           Case{"application/openmetrics-text;version=1.0.0;q=0.2,"
                "application/openmetrics-text;version=0.0.1;q=0.9",
                F::openmetrics_0_0_1},
           Case{"text/plain, application/openmetrics-text", F::openmetrics_1_0_0},
           Case{"application/openmetrics-text;q=0.5,text/plain;version=0.0.4", F::text_0_0_4},
           Case{"application/openmetrics-text;version=2.0.0", F::text_0_0_4},
           Case{"application/openmetrics-text;q=0", F::text_0_0_4},
           Case{"application/openmetrics-text;q=abc", F::text_0_0_4},
           Case{"", F::text_0_0_4},
           Case{"*/*", F::text_0_0_4},
           Case{"text/plain;version=0.0.4", F::text_0_0_4},
           Case{",,;;==", F::text_0_0_4},
       }) {
    INFO(accept);
    CHECK(negotiate_exposition_format(accept) == expected);
  }
}

TEST_CASE("exposition format: each has its Content-Type", "[exposition]") {
  CHECK(content_type_of(ExpositionFormat::text_0_0_4) ==
        "text/plain; version=0.0.4; charset=utf-8");
  CHECK(content_type_of(ExpositionFormat::openmetrics_1_0_0) ==
        "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(content_type_of(ExpositionFormat::openmetrics_0_0_1) ==
        "application/openmetrics-text; version=0.0.1; charset=utf-8");
}
