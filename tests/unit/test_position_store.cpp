// The state file: positions saved atomically and loaded at start.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cos_exporter/inputs/position_store.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
using cos_exporter::testing::TempDir;
namespace fs = std::filesystem;

namespace {

FilePosition position(std::string path, std::uint64_t offset) {
  FilePosition p;
  p.path = std::move(path);
  p.device = 2049;
  p.inode = 1234567890123ull;
  p.offset = offset;
  p.fingerprint = 0xfedcba9876543210ull;
  p.fingerprint_bytes = 256;
  return p;
}

}  // namespace

TEST_CASE("positions survive a save and a load", "[positions]") {
  TempDir dir;
  auto state = dir.file("sub/dir/positions.json");  // directories are created
  {
    PositionStore store(state);
    CHECK(store.positions("file").empty());
    store.set_positions("file", {position("/var/log/a.log", 42), position("/var/log/a.log", 7)});
    store.set_positions("proxy \"logs\"", {position("/tmp/quote\"d\\path\n", 1)});
    std::string odd("/tmp/\xff\xfe.log");  // not UTF-8
    store.set_positions("odd", {position(odd, 3)});
    REQUIRE(store.save());
    CHECK_FALSE(fs::exists(state + ".tmp"));
  }
  PositionStore loaded(state);
  REQUIRE(loaded.positions("file").size() == 2);
  CHECK(loaded.positions("file")[0] == position("/var/log/a.log", 42));
  CHECK(loaded.positions("file")[1] == position("/var/log/a.log", 7));
  CHECK(loaded.positions("proxy \"logs\"")[0] == position("/tmp/quote\"d\\path\n", 1));
  CHECK(loaded.positions("odd")[0].path == std::string("/tmp/\xff\xfe.log"));
  CHECK(loaded.inputs().size() == 3);
}

TEST_CASE("the state file format is plain JSON", "[positions]") {
  TempDir dir;
  PositionStore store(dir.file("p.json"));
  FilePosition p = position("/var/log/a.log", 42);
  p.fingerprint = 0x1f;
  store.set_positions("file", {p});
  store.save();
  CHECK(cos_exporter::testing::read_file(dir.file("p.json")) ==
        "{\"version\":2,\"sequence\":1,\"sections\":{\n\"positions\":{\n\"file\":[\n{\"path\":"
        "\"/var/log/a.log\",\"device\":2049,\"inode\":1234567890123,\"offset\":42,"
        "\"fingerprint\":\"000000000000001f\",\"fingerprint_bytes\":256}]}}}\n");
}

TEST_CASE("a damaged compressed file is kept with its size; older entries load without it",
          "[positions]") {
  TempDir dir;
  auto state = dir.file("p.json");
  {
    PositionStore store(state);
    FilePosition damaged = position("/var/log/a.log.1.gz", 0);
    damaged.settled_size = 4096;
    store.set_positions("file", {damaged, position("/var/log/a.log", 42)});
    REQUIRE(store.save());
  }
  CHECK(cos_exporter::testing::read_file(state).find("\"settled_size\":4096}") !=
        std::string::npos);
  PositionStore loaded(state);
  REQUIRE(loaded.positions("file").size() == 2);
  CHECK(loaded.positions("file")[0].settled_size == 4096);
  CHECK(loaded.positions("file")[1].settled_size == 0);
  CHECK(loaded.positions("file")[1] == position("/var/log/a.log", 42));

  cos_exporter::testing::write_file(state,
                                    "{\"version\":1,\"inputs\":{\"file\":[{\"path\":\"/a\","
                                    "\"device\":1,\"inode\":2,\"offset\":3,\"fingerprint\":"
                                    "\"0000000000000001\",\"fingerprint_bytes\":4,"
                                    "\"settled_size\":\"x\"}]}}\n");
  CHECK(PositionStore(state).positions("file").empty());  // a mistyped field: invalid
}

TEST_CASE("an invalid state file is ignored", "[positions]") {
  TempDir dir;
  auto state = dir.file("p.json");
  for (std::string text :
       {"", "not json", "[]", "{\"version\":2,\"inputs\":{}}", "{\"version\":1}",
        "{\"version\":1,\"inputs\":{\"file\":[{\"path\":\"/a\"}]}}",
        "{\"version\":1,\"inputs\":{\"file\":[{\"path\":\"/a\",\"device\":1,\"inode\":2,"
        "\"offset\":3,\"fingerprint\":\"xyz\",\"fingerprint_bytes\":4}]}}"}) {
    cos_exporter::testing::write_file(state, text);
    PositionStore store(state);
    CHECK(store.inputs().empty());
  }
  // ...and replaced by the next save.
  PositionStore store(state);
  store.set_positions("file", {position("/a", 1)});
  REQUIRE(store.save());
  CHECK(PositionStore(state).positions("file").size() == 1);
}

TEST_CASE("a failed save is logged and not fatal", "[positions]") {
  TempDir dir;
  cos_exporter::testing::write_file(dir.file("file"), "x");
  PositionStore store(dir.file("file/positions.json"));  // its directory is a file
  store.set_positions("file", {position("/a", 1)});
  CHECK_FALSE(store.save());
}

TEST_CASE("providers are asked before each save, and unchanged content is not rewritten",
          "[positions]") {
  TempDir dir;
  auto state = dir.file("p.json");
  PositionStore store(state);
  std::uint64_t offset = 10;
  int calls = 0;
  store.add_provider(&offset, [&] {
    ++calls;
    store.set_positions("file", {position("/a", offset)});
  });
  REQUIRE(store.save());
  CHECK(calls == 1);
  fs::remove(state);
  REQUIRE(store.save());  // same content: not written again
  CHECK_FALSE(fs::exists(state));
  offset = 20;
  REQUIRE(store.save());
  CHECK(PositionStore(state).positions("file")[0].offset == 20);

  store.remove_provider(&offset);
  offset = 30;
  store.save();
  CHECK(calls == 3);
}

TEST_CASE("a version-1 position file is read on upgrade", "[positions]") {
  TempDir dir;
  auto state = dir.file("p.json");
  cos_exporter::testing::write_file(
      state,
      "{\"version\":1,\"inputs\":{\n\"file\":[\n{\"path\":\"/var/log/a.log\",\"device\":2049,"
      "\"inode\":1234567890123,\"offset\":42,\"fingerprint\":\"000000000000001f\","
      "\"fingerprint_bytes\":256}]}}\n");
  PositionStore store(state);
  REQUIRE(store.positions("file").size() == 1);
  CHECK(store.positions("file")[0].offset == 42);
  CHECK(store.positions("file")[0].fingerprint == 0x1f);
}

TEST_CASE("fingerprints hash the first bytes", "[positions]") {
  CHECK(fingerprint_hash("") == 0xcbf29ce484222325ull);
  CHECK(fingerprint_hash("a") != fingerprint_hash("b"));
}
