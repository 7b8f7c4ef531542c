// Arbitrary bytes through the line processor: never a crash, every line
// accounted for exactly once (an event or a malformed reason).
#include <catch2/catch.hpp>
#include <random>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/intake/line_processor.hpp"
#include "cos_exporter/parsing/envelope.hpp"

using namespace cos_exporter;

namespace {

std::uint64_t sum(MetricStore const& store, char const* family) {
  std::uint64_t total = 0;
  for (auto const& [labels, cell] : store.find_counter(family)->all()) total += cell->value();
  return total;
}

// Mutations of real events: the shapes a parser is most likely to get wrong.
std::string mutate(std::mt19937_64& random, std::string line) {
  std::uniform_int_distribution<int> op(0, 3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0, n = std::uniform_int_distribution<int>(1, 4)(random); i < n; ++i) {
    if (line.empty()) line.push_back('x');
    std::size_t at = std::uniform_int_distribution<std::size_t>(0, line.size() - 1)(random);
    switch (op(random)) {
      case 0:
        line[at] = static_cast<char>(byte(random));
        break;
      case 1:
        line.erase(at, 1);
        break;
      case 2:
        line.insert(at, 1, static_cast<char>(byte(random)));
        break;
      default:
        line = line.substr(0, at);
        break;
    }
  }
  return line;
}

}  // namespace

TEST_CASE("random and mutated lines are each counted once", "[parser][fuzz]") {
  Config config = builtin_config();
  config.limits.max_line_bytes = 256;
  CountingHub hub(make_classifier(config), config.limits.max_unknown_codes);
  std::string const regex =
      R"(code[=:] ?(?P<code>-?\d+)(?: msg=(?P<message>\S+))?(?: n=(?P<count>\d+))?)";
  std::vector<LineProcessor> processors;
  for (auto format : {EventFormat::auto_detect, EventFormat::json, EventFormat::logfmt}) {
    processors.emplace_back(LineParser(format, "", config.limits.max_line_bytes),
                            InputCounters(hub.store(), std::string(to_string(format))), hub);
  }
  processors.emplace_back(LineParser(EventFormat::regex, regex, config.limits.max_line_bytes),
                          InputCounters(hub.store(), "regex"), hub);
  for (auto envelope : {Envelope::cri, Envelope::docker, Envelope::syslog}) {
    processors.emplace_back(
        LineParser(EventFormat::auto_detect, "", config.limits.max_line_bytes, envelope),
        InputCounters(hub.store(), std::string(to_string(envelope))), hub, SdkDialect::java);
  }

  std::vector<std::string> const seeds = {
      R"({"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk"})",
      R"({"code":"-4016","count":3})",
      R"(code=-61 message="ERROR_PROXY_INVALID_CMD_REQ" count=2)",
      "-61",
      "code: -5997 msg=ERROR_CGI_NETWORK n=4",
      R"({"code":-1,"nested":{"a":[1,2,{"b":"\u00e9"}]}})",
      // The lines of clients, container runtimes and syslog.
      R"(2026-11-28 10:00:01,123 WARN [main] COSClient:78 - x, message:{"message":"m","code":-3})",
      "ERROR:root:upload failed: {u'code': -133, u'message': u'ERROR_CMD_BUCKET_NOTEXIST'}",
      R"(2026-11-28T10:00:00.123456789Z stdout F {"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"})",
      R"(2026-11-28T10:00:00.1Z stdout P {"code":-96,"mess)",
      R"(2026-11-28T10:00:00.1Z stderr F age":"x"})",
      R"({"log":"{\"code\":-96}\n","stream":"stdout","time":"2026-11-28T10:00:00.1Z"})",
      R"(<131>Nov 28 10:00:00 host app[123]: {"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"})",
      R"(<14>1 2026-11-28T10:00:00Z host app - ID [x@1 a="]\""] code=-97)",
      R"(x {"code":-96,"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}})",
  };
  std::mt19937_64 random(20261128);
  auto const& store = hub.store();
  std::uint64_t lines = 0, not_once = 0, pending = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    if (i % 4 == 0) {
      line.resize(std::uniform_int_distribution<std::size_t>(0, 300)(random));
      for (char& c : line) c = static_cast<char>(random());
    } else {
      line = mutate(random, seeds[i % seeds.size()]);
    }
    for (auto& processor : processors) {
      // A line without an event counts as such, apart from the malformed.
      std::uint64_t malformed = sum(store, metric::kMalformed) + sum(store, metric::kWithoutEvent),
                    events = sum(store, metric::kEvents);
      processor.process_line(line);
      ++lines;
      std::uint64_t new_malformed =
          sum(store, metric::kMalformed) + sum(store, metric::kWithoutEvent);
      std::uint64_t new_events = sum(store, metric::kEvents);
      bool skipped = new_malformed == malformed + 1 && new_events == events;
      bool counted = new_malformed == malformed && new_events > events;
      // A CRI `P` part waits for the rest of its line: it may count nothing.
      Unwrapped cri;
      bool partial = unwrap_cri(line, cri) && cri.part == Unwrapped::Part::partial;
      bool neither = new_malformed == malformed && new_events == events;
      if (partial && neither)
        ++pending;
      else if (skipped == counted)
        ++not_once;  // neither, or both
    }
  }
  CHECK(not_once == 0);
  CHECK(sum(store, metric::kReceived) + sum(store, metric::kWithoutEvent) == lines - pending);
  CHECK(sum(store, metric::kWithoutEvent) > 0);
  CHECK(pending > 0);
  CHECK(sum(store, metric::kMalformed) < lines);  // the mutations leave many valid events
}
