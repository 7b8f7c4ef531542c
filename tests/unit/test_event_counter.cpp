#include <catch2/catch.hpp>

#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/input_counters.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/intake/line_processor.hpp"

using namespace cos_exporter;

namespace {

std::shared_ptr<Classifier const> classifier_with(std::vector<GroupConfig> groups) {
  return std::make_shared<Classifier const>(Catalog::builtin(), GroupMatcher(std::move(groups)));
}

GroupConfig group(std::string name, std::vector<std::int64_t> codes,
                  std::vector<Category> categories = {}) {
  GroupConfig g;
  g.name = std::move(name);
  g.codes = std::move(codes);
  g.categories = std::move(categories);
  return g;
}

double value(MetricStore const& store, std::string const& family,
             std::vector<std::string> const& labels) {
  auto const* f = store.find_counter(family);
  REQUIRE(f != nullptr);
  auto it = f->all().find(labels);
  if (it == f->all().end()) return -1;
  return static_cast<double>(it->second->value());
}

}  // namespace

TEST_CASE("every error class and group exists at 0 from the start", "[counting]") {
  CountingHub hub(classifier_with({group("auth", {-96})}), 64);
  auto const* errors = hub.store().find_counter(metric::kErrors);
  REQUIRE(errors != nullptr);
  // 198 error entries of the document, 13 of the SDK dialects, the combined
  // -61 class, and the `other` series.
  CHECK(errors->all().size() == 198 + 13 + 1 + 1);
  CHECK(value(hub.store(), metric::kErrors, {"sdk", "-3", "SERVER_ERROR"}) == 0);
  CHECK(value(hub.store(), metric::kErrors, {"file_plugin", "-4016", "ErrNotSameSHA"}) == 0);
  CHECK(value(hub.store(), metric::kErrors, {"business", "0", "_SUCCESS"}) == -1);
  CHECK(value(hub.store(), metric::kGroupErrors, {"auth"}) == 0);
  CHECK(value(hub.store(), metric::kEvents, {"success"}) == 0);
}

TEST_CASE("count adds to the code, the outcome and every group", "[counting]") {
  CountingHub hub(classifier_with({group("auth", {-96, -61}), group("proxy", {}, {Category::proxy}),
                                   group("unknown", {555}, {Category::unknown})}),
                  2);
  auto& counter = hub.counter();
  counter.count(-96, "", 3);
  counter.count(-61, "ERROR_PROXY_INVALID_CMD_REQ", 1);
  counter.count(0, "", 5);
  counter.count(-206, "", 1);
  auto& store = hub.store();
  CHECK(value(store, metric::kErrors, {"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"}) == 3);
  CHECK(value(store, metric::kErrors, {"proxy", "-61", "ERROR_PROXY_INVALID_CMD_REQ"}) == 1);
  CHECK(value(store, metric::kEvents, {"error"}) == 4);
  CHECK(value(store, metric::kEvents, {"success"}) == 6);
  CHECK(value(store, metric::kGroupErrors, {"auth"}) == 4);
  CHECK(value(store, metric::kGroupErrors, {"proxy"}) == 4);

  SECTION("unknown codes up to the limit, then `other`") {
    counter.count(555, "", 1);
    counter.count(556, "", 1);
    counter.count(557, "", 2);
    counter.count(555, "", 1);
    counter.count(558, "", 1);
    CHECK(value(store, metric::kErrors, {"unknown", "555", "UNKNOWN"}) == 2);
    CHECK(value(store, metric::kErrors, {"unknown", "556", "UNKNOWN"}) == 1);
    CHECK(value(store, metric::kErrors, {"unknown", "557", "UNKNOWN"}) == -1);
    CHECK(value(store, metric::kErrors, {"unknown", "other", "UNKNOWN"}) == 3);
    CHECK(value(store, metric::kUnknownOverflow, {}) == 3);
    CHECK(value(store, metric::kGroupErrors, {"unknown"}) == 6);
  }

  SECTION("a reload keeps every counter and applies the new groups") {
    counter.count(555, "", 1);
    hub.install(classifier_with({group("auth", {-97})}), 4);
    hub.counter().count(-97, "", 1);
    hub.counter().count(-96, "", 1);
    hub.counter().count(555, "", 1);
    CHECK(value(store, metric::kErrors, {"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"}) == 4);
    CHECK(value(store, metric::kGroupErrors, {"auth"}) == 5);
    CHECK(value(store, metric::kGroupErrors, {"proxy"}) == 4);  // gone from config, kept
    CHECK(value(store, metric::kErrors, {"unknown", "555", "UNKNOWN"}) == 2);
  }
}

TEST_CASE("the line processor counts events and malformed lines per input", "[counting]") {
  CountingHub hub(classifier_with({}), 64);
  LineProcessor processor(LineParser(EventFormat::auto_detect, "", 64),
                          InputCounters(hub.store(), "test"), hub);
  processor.process_lines("-96\n{bad\n\ncode=-97 count=2\r\n");
  processor.process_lines("-96");
  processor.count_too_long();
  auto& store = hub.store();
  // The blank line holds no event: it is neither received nor malformed.
  CHECK(value(store, metric::kReceived, {"test"}) == 5);
  CHECK(value(store, metric::kMalformed, {"test", "invalid_json"}) == 1);
  CHECK(value(store, metric::kWithoutEvent, {"test", "blank"}) == 1);
  CHECK(value(store, metric::kWithoutEvent, {"test", "no_event"}) == 0);
  CHECK(value(store, metric::kMalformed, {"test", "too_long"}) == 1);
  CHECK(value(store, metric::kMalformed, {"test", "invalid_code"}) == 0);
  CHECK(value(store, metric::kErrors, {"proxy", "-97", "ERROR_PROXY_AUTH_FAILED"}) == 2);
  CHECK(value(store, metric::kErrors, {"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"}) == 2);
}
