#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/common/config_error.hpp"

using namespace cos_exporter;

namespace {

struct DocumentCode {
  std::int64_t code;
  char const* name;  // empty: the document names no code (sdk, download)
  char const* category;
};

DocumentCode const kDocument[] = {
#include "document_codes.inc"
};

std::string error_of(std::string const& yaml) {
  try {
    Catalog::parse(yaml, "cat.yaml");
  } catch (ConfigError const& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the built-in catalog holds all 201 entries of the document", "[catalog]") {
  Catalog catalog = Catalog::builtin();
  // The document's entries, then the SDK dialects' own names for -1..-4.
  REQUIRE(catalog.entries().size() == 201 + 13);
  REQUIRE(std::size(kDocument) == 201);

  std::set<std::int64_t> codes;
  std::map<std::string, int> per_category;
  for (auto const& entry : catalog.entries().subspan(201)) CHECK(entry.sdks.size() >= 1);
  for (auto const& entry : catalog.entries().first(201)) {
    CHECK(entry.applies_to_all_dialects());
    codes.insert(entry.code);
    ++per_category[std::string(to_string(entry.category))];
  }
  CHECK(codes.size() == 200);
  CHECK(per_category == std::map<std::string, int>{{"sdk", 4},
                                                   {"download", 8},
                                                   {"http", 10},
                                                   {"business", 2},
                                                   {"proxy", 37},
                                                   {"cmd", 56},
                                                   {"file_cache", 19},
                                                   {"file_plugin", 27},
                                                   {"cgi", 29},
                                                   {"oss", 9}});

  // In document order, each with its documented name (typos kept).
  for (std::size_t i = 0; i < std::size(kDocument); ++i) {
    INFO("document entry " << i << ": " << kDocument[i].code);
    auto const& entry = catalog.entries()[i];
    CHECK(entry.code == kDocument[i].code);
    CHECK(to_string(entry.category) == kDocument[i].category);
    if (*kDocument[i].name != '\0')
      CHECK(entry.name == kDocument[i].name);
    else
      CHECK(entry.name.starts_with(entry.category == Category::sdk ? "SDK_" : "DOWNLOAD_"));
    CHECK_FALSE(entry.description.empty());
    CHECK_FALSE(entry.description_en.empty());
  }
}

TEST_CASE("catalog entries keep the document's text and kinds", "[catalog]") {
  Catalog catalog = Catalog::builtin();
  auto only = [&](std::int64_t code) {
    auto found = catalog.find(code);
    std::erase_if(found, [](CatalogEntry const* e) { return !e->applies_to_all_dialects(); });
    REQUIRE(found.size() == 1);
    return *found[0];
  };
  CHECK(only(-4016).name == "ErrNotSameSHA");
  CHECK(only(-4016).description == "sha校验失败");
  CHECK(only(-296).name == "2RSP");
  CHECK(only(-160).name == "ERROR_CMD_PARAM_PAHT_FILE_SURPLUS_SLASH");
  CHECK(only(-9999).name == "UNKOWN");
  CHECK(only(-158).description == "鉴权类别错误//鉴权类别错误");
  CHECK(only(-5994).description == "url参数解析不匹配'");
  CHECK(only(-1).name == "SDK_UPLOAD_FILE_NOT_FOUND");
  CHECK(only(-403).name == "DOWNLOAD_FORBIDDEN");
  for (std::int64_t success : {0, -200, -206}) CHECK(only(success).kind == Kind::success);
  CHECK(only(-96).kind == Kind::error);
  auto shared = catalog.find(-61);
  REQUIRE(shared.size() == 2);
  CHECK(shared[0]->name == "ERROR_PROXY_SIGN_BUCKET_NOTMATCH");
  CHECK(shared[1]->name == "ERROR_PROXY_INVALID_CMD_REQ");
}

TEST_CASE("bad catalog files are rejected with file:line:column", "[catalog]") {
  std::string const good = "  - {code: -1, name: A, category: sdk, kind: error, description: x}\n";
  CHECK(error_of("entries:\n" + good + good) ==
        "cat.yaml:3:5: duplicate catalog entry: code -1 with name A is already defined");
  CHECK(error_of("entries:\n  - {code: -1, name: A, category: nope, kind: error, description: x}\n")
            .starts_with("cat.yaml:2:35: unknown category \"nope\""));
  CHECK(
      error_of("entries:\n  - {code: -1, name: A, category: sdk, kind: fatal, description: x}\n") ==
      "cat.yaml:2:46: unknown kind \"fatal\" (known: success, error)");
  CHECK(error_of("entries:\n  - {code: -1, category: sdk, kind: error, description: x}\n") ==
        "cat.yaml:2:5: catalog entry is missing \"name\"");
  CHECK(error_of(
            "entries:\n  - {code: 1.5, name: A, category: sdk, kind: error, description: x}\n") ==
        "cat.yaml:2:12: code must be an integer, got \"1.5\"");
  CHECK(
      error_of("entries:\n  - {code: x, name: A, category: sdk, kind: error, description: x}\n") ==
      "cat.yaml:2:12: code must be an integer, got \"x\"");
  CHECK(error_of("entries:\n  - {code: -1, name: A, category: sdk, kind: error, description: x, "
                 "colour: red}\n")
            .starts_with("cat.yaml:2:69: unknown key \"colour\" in a catalog entry"));
  CHECK(error_of("entries: [\n").starts_with("cat.yaml:2:1: invalid YAML"));
  CHECK(error_of("things: []\n").starts_with("cat.yaml:1:1: unknown key \"things\""));
}

TEST_CASE("catalog additions replace a (code, name) or add a name", "[catalog]") {
  Catalog catalog = Catalog::builtin();
  catalog.add_or_replace(
      {-96, "ERROR_PROXY_AUTH_EXPIRED", Category::proxy, Kind::error, "新", "new", {}});
  REQUIRE(catalog.find(-96).size() == 1);
  CHECK(catalog.find(-96)[0]->description_en == "new");
  catalog.add_or_replace({-96, "MY_EXPIRED", Category::proxy, Kind::error, "x", "x", {}});
  CHECK(catalog.find(-96).size() == 2);
  catalog.add_or_replace({-70001, "MY_PROXY_ERROR", Category::proxy, Kind::error, "x", "x", {}});
  CHECK(catalog.entries().size() == 214 + 2);
}

TEST_CASE("catalog sdk keys are checked", "[sdk]") {
  std::string entry =
      "entries:\n  - {code: -3, name: X, category: sdk, kind: error, description: d";
  CHECK(error_of(entry + ", sdk: [java]}\n").empty());
  CHECK(error_of(entry + ", sdk: go}\n").starts_with("cat.yaml:2:74: unknown sdk \"go\""));
  CHECK(error_of(entry + ", sdk: [java]}\n" +
                 "  - {code: -3, name: Y, category: sdk, kind: error, description: d, sdk: "
                 "[python, java]}\n") == "cat.yaml:3:74: sdk java already names code -3");
}
