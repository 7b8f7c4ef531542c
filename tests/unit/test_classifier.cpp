#include <catch2/catch.hpp>

#include "cos_exporter/classification/classifier.hpp"
#include "cos_exporter/classification/group_warnings.hpp"
#include "cos_exporter/config/config.hpp"

using namespace cos_exporter;

namespace {

GroupConfig group(std::string name, std::vector<std::int64_t> codes,
                  std::vector<std::string> names = {}, std::vector<Category> categories = {}) {
  GroupConfig g;
  g.name = std::move(name);
  g.codes = std::move(codes);
  g.names = std::move(names);
  g.categories = std::move(categories);
  return g;
}

}  // namespace

TEST_CASE("classify resolves every catalogued code", "[classifier]") {
  Classifier classifier(Catalog::builtin(), GroupMatcher());
  for (auto const& entry : classifier.catalog().entries()) {
    auto dialect = entry.applies_to_all_dialects() ? SdkDialect::document : entry.sdks.front();
    auto index = classifier.classify(entry.code, entry.name, dialect);
    REQUIRE(index != Classifier::kUnknown);
    CHECK(classifier.at(index).name == entry.name);
    CHECK(classifier.at(index).category == entry.category);
    CHECK(classifier.at(index).kind == entry.kind);
  }
  auto index = classifier.classify(-4016, "");
  CHECK(classifier.at(index).name == "ErrNotSameSHA");
  CHECK(classifier.at(index).code_label == "-4016");
  CHECK(classifier.classify(12345, "") == Classifier::kUnknown);
  CHECK(classifier.classify(-62000, "ErrNotSameSHA") == Classifier::kUnknown);
}

TEST_CASE("the shared code -61 resolves by message, else to both names", "[classifier]") {
  Classifier classifier(Catalog::builtin(), GroupMatcher());
  auto name_of = [&](std::string_view message) {
    return classifier.at(classifier.classify(-61, message)).name;
  };
  CHECK(name_of("ERROR_PROXY_SIGN_BUCKET_NOTMATCH") == "ERROR_PROXY_SIGN_BUCKET_NOTMATCH");
  CHECK(name_of("ERROR_PROXY_INVALID_CMD_REQ") == "ERROR_PROXY_INVALID_CMD_REQ");
  CHECK(name_of("") == "ERROR_PROXY_SIGN_BUCKET_NOTMATCH|ERROR_PROXY_INVALID_CMD_REQ");
  CHECK(name_of("error_proxy_invalid_cmd_req") ==
        "ERROR_PROXY_SIGN_BUCKET_NOTMATCH|ERROR_PROXY_INVALID_CMD_REQ");
  // A code that has one name ignores the message.
  CHECK(classifier.at(classifier.classify(-96, "whatever")).name == "ERROR_PROXY_AUTH_EXPIRED");
}

TEST_CASE("a code shared through catalog additions follows the same rule", "[classifier]") {
  Catalog catalog = Catalog::builtin();
  catalog.add_or_replace({-96, "MY_EXPIRED", Category::proxy, Kind::error, "x", "x", {}});
  Classifier classifier(std::move(catalog), GroupMatcher());
  CHECK(classifier.at(classifier.classify(-96, "MY_EXPIRED")).name == "MY_EXPIRED");
  CHECK(classifier.at(classifier.classify(-96, "")).name == "ERROR_PROXY_AUTH_EXPIRED|MY_EXPIRED");
}

TEST_CASE("groups match by code, name glob and category", "[classifier]") {
  Classifier classifier(Catalog::builtin(),
                        GroupMatcher({group("auth", {-97}, {"ERROR_PROXY_AUTH_*"}),
                                      group("plugin", {}, {}, {Category::file_plugin}),
                                      group("shared_b", {}, {"ERROR_PROXY_INVALID_CMD_REQ"}),
                                      group("unknowns", {777}, {}, {Category::unknown})}));
  auto groups_of = [&](std::int64_t code, std::string_view message = "") {
    return classifier.at(classifier.classify(code, message)).groups;
  };
  CHECK(groups_of(-97) == 0b0001);
  CHECK(groups_of(-96) == 0b0001);  // ERROR_PROXY_AUTH_EXPIRED by glob
  CHECK(groups_of(-4016) == 0b0010);
  CHECK(groups_of(-99) == 0);
  CHECK(groups_of(-61, "ERROR_PROXY_INVALID_CMD_REQ") == 0b0100);
  CHECK(groups_of(-61, "ERROR_PROXY_SIGN_BUCKET_NOTMATCH") == 0);
  CHECK(groups_of(-61) == 0b0100);  // either name: the union
  CHECK(classifier.unknown_code_groups(777) == 0b1000);
  CHECK(classifier.unknown_code_groups(778) == 0b1000);
  CHECK(classifier.group_matcher().match_any_code("UNKNOWN", Category::unknown) == 0b1000);
}

TEST_CASE("for_each_group visits every set bit in order", "[classifier]") {
  std::vector<unsigned> seen;
  for_each_group((GroupMask{1} << 63) | 0b101, [&](unsigned i) { seen.push_back(i); });
  CHECK(seen == std::vector<unsigned>{0, 2, 63});
}

TEST_CASE("group_warnings lists groups and name globs that match no catalogued error",
          "[classifier]") {
  Catalog const catalog = Catalog::builtin();
  CHECK(group_warnings(builtin_config().groups, catalog).empty());
  std::vector<GroupConfig> const groups{
      group("auth", {}, {"ERROR_PROXY_AUHT_*", "ERROR_PROXY_AUTH_*"}),
      group("successes", {0, -200}, {}),  // success codes are never grouped
      group("strange", {}, {}, {Category::unknown}),
      group("by_category", {}, {}, {Category::http}),
  };
  CHECK(group_warnings(groups, catalog) ==
        std::vector<std::string>{
            "group \"auth\": name glob \"ERROR_PROXY_AUHT_*\" matches no error name of the "
            "catalog",
            "group \"successes\" matches no error of the catalog: its counter stays at 0 and its "
            "alert can never fire"});
}
