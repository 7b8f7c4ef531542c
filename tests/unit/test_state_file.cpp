// The state file: versioned sections written atomically, and what a start
// makes of a missing, broken, newer or interrupted one; the counters section
// and the StateKeeper's snapshot, restore and failure handling.
#include <prometheus/metric_family.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "cos_exporter/common/state_file.hpp"
#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counter_state.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/counting/metric_store.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "daemon/label_plan_factory.hpp"
#include "daemon/state_keeper.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
using cos_exporter::testing::read_file;
using cos_exporter::testing::TempDir;
using cos_exporter::testing::write_file;
namespace fs = std::filesystem;

namespace {

std::uint64_t value_of(prometheus::Collectable const& view, std::string const& name,
                       std::string const& label_value) {
  for (auto const& family : view.Collect())
    if (family.name == name)
      for (auto const& metric : family.metric)
        if (metric.label.empty() ? label_value.empty() : metric.label.back().value == label_value)
          return static_cast<std::uint64_t>(metric.counter.value);
  return 999999;
}

// A hub and a line processor of a config, as the daemon has them.
struct Counting {
  explicit Counting(std::string const& yaml)
      : config(parse_config(yaml, "c.yaml")),
        hub(make_classifier(config), config.limits.max_unknown_codes, config.exemplar_fields,
            make_label_plan(config)),
        processor(LineParser(EventFormat::auto_detect, "", 1024), InputCounters(hub.store(), "udp"),
                  hub) {}
  std::int64_t errors(std::vector<std::string> const& labels) const {
    for (auto const* family : hub.store().counter_families(metric::kErrors))
      if (auto it = family->all().find(labels); it != family->all().end())
        return static_cast<std::int64_t>(it->second->value());
    return -1;
  }
  Config config;
  CountingHub hub;
  LineProcessor processor;
};

std::string const kLabels =
    "inputs:\n  udp: [{name: udp, listen: '127.0.0.1:0'}]\n"
    "event_labels:\n  - {name: region, field: region}\n";

}  // namespace

TEST_CASE("state file sections survive a write and a load", "[state]") {
  TempDir dir;
  auto path = dir.file("sub/state.json");
  {
    StateFile file(path);
    CHECK(file.load().outcome == StateFile::Outcome::fresh_missing);
    REQUIRE_FALSE(file.write({{"positions", "{\"a\":[]}"}, {"counters", "{\"families\":[]}"}}));
    REQUIRE_FALSE(file.write({{"positions", "{\"a\":[1]}"}, {"counters", "{\"families\":[]}"}}));
  }
  CHECK_FALSE(fs::exists(path + ".tmp"));
  StateFile file(path);
  auto loaded = file.load();
  CHECK(loaded.outcome == StateFile::Outcome::restored);
  CHECK(loaded.sequence == 2);
  CHECK(loaded.sections["positions"] == "{\"a\":[1]}");
  CHECK(loaded.sections["counters"] == "{\"families\":[]}");
  // The sequence goes on from the one loaded.
  REQUIRE_FALSE(file.write({{"positions", "{}"}}));
  CHECK(read_file(path).find("\"sequence\":3") != std::string::npos);
}

TEST_CASE("a version-1 file reads as its positions", "[state]") {
  TempDir dir;
  auto path = dir.file("state.json");
  write_file(path, "{\"version\":1,\"inputs\":{\"file\":[]}}\n");
  auto loaded = StateFile(path).load();
  CHECK(loaded.outcome == StateFile::Outcome::upgraded_v1);
  CHECK(loaded.sections["positions"] == "{\"file\":[]}");
  CHECK_FALSE(loaded.sections.contains("counters"));
}

TEST_CASE("a bad state file starts fresh and is kept aside", "[state]") {
  TempDir dir;
  auto path = dir.file("state.json");
  struct Case {
    std::string text;
    StateFile::Outcome outcome;
  };
  std::string const good = StateFile(path).render({{"positions", "{}"}}, 4);
  for (auto const& [text, outcome] :
       {Case{"", StateFile::Outcome::fresh_invalid},
        Case{"not json", StateFile::Outcome::fresh_invalid},
        Case{good.substr(0, good.size() / 2), StateFile::Outcome::fresh_invalid},  // truncated
        Case{"{\"version\":2,\"sections\":{}}", StateFile::Outcome::fresh_invalid},
        Case{"{\"version\":3,\"sequence\":1,\"sections\":{}}",
             StateFile::Outcome::fresh_newer_version}}) {
    write_file(path, text);
    auto loaded = StateFile(path).load();
    CHECK(loaded.outcome == outcome);
    CHECK(loaded.sections.empty());
    CHECK_FALSE(loaded.detail.empty());
    CHECK(read_file(path + ".bad") == text);  // not lost to the next write
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("a tmp file left by a crash: the newer complete one wins, a partial one goes",
          "[state]") {
  TempDir dir;
  auto path = dir.file("state.json");
  StateFile writer(path);
  REQUIRE_FALSE(writer.write({{"counters", "{\"n\":1}"}}));  // sequence 1
  std::string const newer = writer.render({{"counters", "{\"n\":2}"}}, 2);

  SECTION("crash before the tmp file was complete") {
    write_file(path + ".tmp", newer.substr(0, newer.size() - 5));
    auto loaded = StateFile(path).load();
    CHECK(loaded.outcome == StateFile::Outcome::restored);
    CHECK(loaded.tmp_left);
    CHECK(loaded.sections["counters"] == "{\"n\":1}");
    CHECK_FALSE(fs::exists(path + ".tmp"));
  }
  SECTION("crash after the fsync of the tmp file, before the rename") {
    write_file(path + ".tmp", newer);
    auto loaded = StateFile(path).load();
    CHECK(loaded.outcome == StateFile::Outcome::restored_tmp);
    CHECK(loaded.sections["counters"] == "{\"n\":2}");
    CHECK_FALSE(fs::exists(path + ".tmp"));
    CHECK(read_file(path) == newer);
  }
  SECTION("an old tmp file is not taken over a newer file") {
    write_file(path + ".tmp", writer.render({{"counters", "{\"n\":0}"}}, 0));
    CHECK(StateFile(path).load().sections["counters"] == "{\"n\":1}");
  }
}

TEST_CASE("counters serialize and restore, also into series created later", "[state]") {
  MetricStore store;
  auto& errors = store.counter(metric::kErrorsFamily);
  errors.series({"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"}).add(10);
  errors.series({"unknown", "7", "ODD \"name\"\n"}).add(3);
  store.counter_with_labels(metric::kErrors, "help", {"category", "code", "name", "tenant"})
      .series({"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED", "acme"})
      .add(4);
  store.counter(metric::kReceivedFamily).series({"udp"}).add(20);
  std::string text = serialize_counters(store);

  auto parsed = parse_counters(text);
  REQUIRE(std::holds_alternative<std::vector<MetricStore::RestoredFamily>>(parsed));
  auto families = std::get<std::vector<MetricStore::RestoredFamily>>(parsed);
  CHECK(families.size() == 3);

  MetricStore next;
  // One family exists before the restore (the daemon's hub makes its series first).
  auto& next_errors = next.counter(metric::kErrorsFamily);
  auto& expired = next_errors.series({"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"});
  next.restore_counters(std::move(families));
  CHECK(expired.value() == 10);
  // An unknown code's series is made again when the code is seen again.
  CHECK_FALSE(next_errors.has_series({"unknown", "7", "ODD \"name\"\n"}));
  CHECK(next_errors.series({"unknown", "7", "ODD \"name\"\n"}).value() == 3);
  CHECK(next.counter(metric::kReceivedFamily).series({"udp"}).value() == 20);
  CHECK(next.counter_with_labels(metric::kErrors, "help", {"category", "code", "name", "tenant"})
            .series({"proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED", "acme"})
            .value() == 4);
  // Taken once: a series removed and made again starts from zero.
  next.counter(metric::kReceivedFamily).remove({"udp"});
  CHECK(next.counter(metric::kReceivedFamily).series({"udp"}).value() == 0);
  // What no series took up is not written again.
  MetricStore third;
  third.restore_counters(std::get<std::vector<MetricStore::RestoredFamily>>(parsed));
  CHECK(serialize_counters(third) == "{\"families\":[]}");

  for (std::string bad : {"", "[]", "{\"families\":[{\"name\":\"x\"}]}",
                          "{\"families\":[{\"name\":\"x\",\"labels\":[\"a\"],\"series\":[[1]]}]}",
                          "{\"families\":[{\"name\":\"x\",\"labels\":[],\"series\":[[-1]]}]}"}) {
    auto rejected = parse_counters(bad);
    REQUIRE(std::holds_alternative<ParseFailure>(rejected));
    CHECK_FALSE(std::get<ParseFailure>(rejected).reason.empty());
  }
}

TEST_CASE("the keeper restores counters and positions from one snapshot", "[state]") {
  TempDir dir;
  auto path = dir.file("state.json");
  boost::asio::io_context io;
  {
    MetricStore store;
    StateKeeper keeper(io, store);
    keeper.open(path);
    auto& received = store.counter(metric::kReceivedFamily).series({"f"});
    std::uint64_t offset = 0;
    keeper.positions()->add_provider(&offset, [&] {
      FilePosition p;
      p.path = "/a.log";
      p.offset = offset;
      keeper.positions()->set_positions("f", {p});
    });
    received.add(5);
    offset = 50;
    REQUIRE(keeper.persist());
    received.add(1);  // counted, not persisted: as a SIGKILL now would leave it
    offset = 60;
    keeper.positions()->remove_provider(&offset);
  }
  MetricStore store;
  StateKeeper keeper(io, store);
  keeper.open(path);
  CHECK(store.counter(metric::kReceivedFamily).series({"f"}).value() == 5);
  CHECK(keeper.positions()->positions("f").at(0).offset == 50);
  CHECK(value_of(keeper.own_metrics(), metric::kStateLoads, "restored") == 1);
}

TEST_CASE("while the state cannot be written, scrapes show the values last written", "[state]") {
  TempDir dir;
  auto path = dir.file("state/state.json");
  boost::asio::io_context io;
  MetricStore store;
  StateKeeper keeper(io, store);
  keeper.open(path);
  auto& received = store.counter(metric::kReceivedFamily).series({"u"});
  received.add(7);
  REQUIRE(keeper.persist());
  CHECK(value_of(keeper.counters_view(), metric::kReceived, "u") == 7);

  // The directory goes away and a file takes its name: every write fails.
  fs::remove_all(dir.file("state"));
  write_file(dir.file("state"), "x");
  received.add(3);
  auto& later = store.counter(metric::kReceivedFamily).series({"v"});
  later.add(2);
  CHECK_FALSE(keeper.persist());
  CHECK_FALSE(keeper.persist());
  CHECK(value_of(keeper.counters_view(), metric::kReceived, "u") == 7);
  CHECK(value_of(keeper.counters_view(), metric::kReceived, "v") == 0);  // never written
  CHECK(value_of(keeper.own_metrics(), metric::kStateWrites, "failed") == 2);
  CHECK(keeper.writes_failed() == 2);

  // The disk comes back: the live values, all of them, are written and shown.
  fs::remove(dir.file("state"));
  REQUIRE(keeper.persist());
  CHECK(value_of(keeper.counters_view(), metric::kReceived, "u") == 10);
  CHECK(value_of(keeper.counters_view(), metric::kReceived, "v") == 2);
  MetricStore restored;
  StateKeeper again(io, restored);
  again.open(path);
  CHECK(restored.counter(metric::kReceivedFamily).series({"u"}).value() == 10);
}

TEST_CASE("restored extra-label and unknown-code series continue within the new limits",
          "[state]") {
  std::string text;
  {
    Counting before(kLabels);
    for (char const* line : {"code=-4016 region=r1", "code=-4016 region=r2", "code=-4016 region=r3",
                             "code=-4016 region=r3", "code=777 x"})
      before.processor.process_line(line);
    text = serialize_counters(before.hub.store());
  }
  // Fewer series allowed now: each error makes three (code, outcome, group).
  Counting after(kLabels + "limits: {max_series: 6, max_unknown_codes: 1}\n");
  auto parsed = parse_counters(text);
  REQUIRE(std::holds_alternative<std::vector<MetricStore::RestoredFamily>>(parsed));
  after.hub.store().restore_counters(std::get<std::vector<MetricStore::RestoredFamily>>(parsed));
  CHECK(after.errors({"unknown", "777", "UNKNOWN"}) == -1);  // made again when seen again
  for (char const* line :
       {"code=-4016 region=r1", "code=-4016 region=r2", "code=-4016 region=r3", "code=777 x"})
    after.processor.process_line(line);
  CHECK(after.errors({"file_plugin", "-4016", "ErrNotSameSHA", "r1"}) == 2);
  CHECK(after.errors({"file_plugin", "-4016", "ErrNotSameSHA", "r2"}) == 2);
  // max_series applies to restored series too: r3 is not made again.
  CHECK(after.errors({"file_plugin", "-4016", "ErrNotSameSHA", "r3"}) == -1);
  CHECK(after.errors({"file_plugin", "-4016", "ErrNotSameSHA", "other"}) == 1);
  CHECK(after.errors({"unknown", "777", "UNKNOWN"}) == 2);
  // r3's restored value, taken by no series, is not written again.
  CHECK(serialize_counters(after.hub.store()).find("\"r3\"") == std::string::npos);
}
