#include <catch2/catch.hpp>
#include <sstream>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/cli/commands.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"

using namespace cos_exporter;

namespace {

std::string name_of(Classifier const& classifier, std::int64_t code, SdkDialect dialect) {
  auto index = classifier.classify(code, "", dialect);
  return index == Classifier::kUnknown ? "?" : classifier.at(index).name;
}

double value(MetricStore const& store, std::vector<std::string> const& labels) {
  auto const* family = store.find_counter(metric::kErrors);
  auto it = family->all().find(labels);
  return it == family->all().end() ? -1 : static_cast<double>(it->second->value());
}

}  // namespace

TEST_CASE("each SDK dialect names -1..-4 its own way", "[sdk]") {
  Classifier classifier(Catalog::builtin(), GroupMatcher());
  struct Row {
    SdkDialect sdk;
    char const* names[4];
  };
  Row const table[] = {
      {SdkDialect::document,
       {"SDK_UPLOAD_FILE_NOT_FOUND", "SDK_NETWORK_REQUEST_FAILED", "SDK_INVALID_PARAMETER",
        "SDK_INVALID_SLICE_SIZE"}},
      {SdkDialect::java, {"PARAMS_ERROR", "NETWORK_ERROR", "SERVER_ERROR", "UNKNOWN_ERROR"}},
      {SdkDialect::python, {"PARAMS_ERROR", "NETWORK_ERROR", "SERVER_ERROR", "UNKNOWN_ERROR"}},
      {SdkDialect::php,
       {"COSAPI_PARAMS_ERROR", "COSAPI_NETWORK_ERROR", "COSAPI_INTEGRITY_ERROR",
        "SDK_INVALID_SLICE_SIZE"}},
      {SdkDialect::cpp,
       {"PARA_ERROR_CODE", "NETWORK_ERROR_CODE", "LOCAL_FILE_NOT_EXIST_CODE",
        "SDK_INVALID_SLICE_SIZE"}},
      {SdkDialect::nodejs,
       {"COS_PARAMS_ERROR", "COS_NETWORK_ERROR", "COS_FOLDER_ERROR", "SDK_INVALID_SLICE_SIZE"}},
  };
  for (auto const& row : table) {
    INFO(to_string(row.sdk));
    for (int i = 0; i < 4; ++i) CHECK(name_of(classifier, -1 - i, row.sdk) == row.names[i]);
    // Every other code means the same in every dialect.
    CHECK(name_of(classifier, -96, row.sdk) == "ERROR_PROXY_AUTH_EXPIRED");
    CHECK(classifier.at(classifier.classify(-3, "", row.sdk)).category == Category::sdk);
  }
  CHECK(parse_sdk_dialect("java") == SdkDialect::java);
  CHECK_FALSE(parse_sdk_dialect("go"));
}

TEST_CASE("the default groups take each dialect's -3 by its name", "[sdk]") {
  Config config = builtin_config();
  auto classifier = make_classifier(config);
  auto groups_of = [&](SdkDialect sdk) {
    GroupMask mask = classifier->at(classifier->classify(-3, "", sdk)).groups;
    std::string names;
    for_each_group(mask, [&](unsigned i) {
      names += config.groups[i].name;
      names += ' ';
    });
    return names;
  };
  CHECK(groups_of(SdkDialect::java) == "server ");
  CHECK(groups_of(SdkDialect::document) == "client ");
  CHECK(groups_of(SdkDialect::php) == "integrity ");
  CHECK(groups_of(SdkDialect::cpp) == "not_found ");
}

TEST_CASE("classify --sdk shows the dialect's entry", "[sdk]") {
  Classifier classifier(Catalog::builtin(), GroupMatcher());
  std::ostringstream out;
  CHECK(run_classify(classifier, -3, "", SdkDialect::java, out) == 0);
  CHECK(out.str().starts_with("ERROR sdk -3 SERVER_ERROR\n"));
  CHECK(out.str().find("sdk:            java,python\n") != std::string::npos);
}

TEST_CASE("an input's sdk key picks the dialect its events are counted with", "[sdk]") {
  Config config = parse_config(
      "inputs:\n  udp:\n    - {name: j, listen: ':1', sdk: java}\n"
      "    - {name: d, listen: ':2', envelope: syslog}\n",
      "c.yaml");
  CHECK(input_settings(config.inputs[0]).sdk == SdkDialect::java);
  CHECK(input_settings(config.inputs[1]).sdk == SdkDialect::document);
  CHECK(input_settings(config.inputs[1]).envelope == Envelope::syslog);
  CHECK_THROWS_WITH(parse_config("inputs:\n  udp:\n    - {listen: ':1', sdk: go}\n", "c.yaml"),
                    Catch::StartsWith("c.yaml:3:27: unknown sdk \"go\""));
  CHECK_THROWS_WITH(parse_config("inputs:\n  files:\n    - {path: /x, envelope: k8s}\n", "c.yaml"),
                    Catch::StartsWith("c.yaml:3:28: unknown envelope \"k8s\""));

  CountingHub hub(make_classifier(builtin_config()), 64);
  hub.counter().count(-3, "", 1, SdkDialect::java);
  hub.counter().count(-3, "", 2, SdkDialect::document);
  CHECK(value(hub.store(), {"sdk", "-3", "SERVER_ERROR"}) == 1);
  CHECK(value(hub.store(), {"sdk", "-3", "SDK_INVALID_PARAMETER"}) == 2);
}

TEST_CASE("an unknown code is named by its first identifier-like message", "[sdk]") {
  CountingHub hub(make_classifier(builtin_config()), 2);
  hub.counter().count(-133, "ERROR_CMD_BUCKET_NOTEXIST", 1);
  hub.counter().count(-133, "something else", 1);
  hub.counter().count(-134, "not an identifier", 1);
  hub.counter().count(-135, "NAMED_TOO_LATE", 1);  // over max_unknown_codes
  CHECK(value(hub.store(), {"unknown", "-133", "ERROR_CMD_BUCKET_NOTEXIST"}) == 2);
  CHECK(value(hub.store(), {"unknown", "-134", "UNKNOWN"}) == 1);
  CHECK(value(hub.store(), {"unknown", "other", "UNKNOWN"}) == 1);
  CHECK(UnknownCodes::name_for(std::string(64, 'A')) == std::string(64, 'A'));
  CHECK(UnknownCodes::name_for(std::string(65, 'A')) == kUnknownName);
  CHECK(UnknownCodes::name_for("") == kUnknownName);
  CHECK(UnknownCodes::name_for("a-b") == kUnknownName);
  CHECK(UnknownCodes::name_for("Err_2") == "Err_2");
}
