#include <catch2/catch.hpp>

#include "cos_exporter/exposition/landing_page.hpp"

using namespace cos_exporter;

TEST_CASE("the landing page's durations", "[landing]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(42.9) == "42s");
  CHECK(format_duration(3600) == "1h 0m 0s");
  CHECK(format_duration(3 * 86400 + 4 * 3600 + 5 * 60 + 6) == "3d 4h 5m 6s");
  CHECK(format_duration(-1) == "0s");
}

TEST_CASE("the landing page shows each tailed file's lag, the uptime and malformed lines",
          "[landing]") {
  LandingPageData data;
  data.uptime_seconds = 61;
  InputStatus input{"app", "file", "/l/*.log", "following 2 files", 5, 1, {}};
  input.files.push_back({"/l/a.log", 100, 150, 2.5});
  input.files.push_back({"/l/<b>.log", 7, 7, std::nullopt});
  data.inputs.push_back(input);
  data.malformed.push_back({"app", "invalid_json", 1});
  std::string html = render_landing_page(data);
  CHECK(html.find("<p id=\"uptime\">Up 1m 1s</p>") != std::string::npos);
  CHECK(html.find("<tr><td>app</td><td>/l/a.log</td><td class=\"n\">50</td><td class=\"n\">100 / "
                  "150</td><td>2s ago</td></tr>") != std::string::npos);
  CHECK(html.find("<td>/l/&lt;b&gt;.log</td><td class=\"n\">0</td><td class=\"n\">7 / 7</td>"
                  "<td>none since start</td>") != std::string::npos);
  CHECK(html.find("<tr><td>app</td><td>invalid_json</td><td class=\"n\">1</td></tr>") !=
        std::string::npos);

  // Without file inputs there is no files table; without malformed lines, a sentence.
  LandingPageData empty;
  html = render_landing_page(empty);
  CHECK(html.find("id=\"files\"") == std::string::npos);
  CHECK(html.find("<p id=\"malformed-empty\">No malformed lines.</p>") != std::string::npos);
}
