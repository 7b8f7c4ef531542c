// Any bytes as the state_file, loaded as the daemon loads it at start-up:
// an invalid file is ignored (empty store), a valid one gives its entries,
// and what the store writes back reads as the same entries.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cos_exporter/common/state_file.hpp"
#include "cos_exporter/inputs/position_store.hpp"
#include "fuzz_support.hpp"

using namespace cos_exporter;

namespace {

using Entries = PositionStore::Entries;

Entries entries_of(PositionStore const& store) {
  Entries entries;
  for (auto const& input : store.inputs()) entries[input] = store.positions(input);
  return entries;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  // The file lives in memory; the store opens it by path like any state file.
  int fd = ::memfd_create("state_file", MFD_CLOEXEC);
  fuzz::require(fd >= 0, "memfd_create");
  fuzz::require(::write(fd, data, size) == static_cast<ssize_t>(size), "write the state file");

  std::string_view text(reinterpret_cast<char const*>(data), size);
  auto document = StateFile::parse(text);
  if (auto* rejected = std::get_if<StateFile::Rejected>(&document))
    fuzz::require(!rejected->reason.empty(), "an invalid state file says why");
  auto* state = std::get_if<StateFile::Loaded>(&document);
  std::optional<Entries> parsed;
  if (state && state->sections.contains("positions")) {
    auto positions = PositionStore::parse(state->sections["positions"]);
    if (auto* entries = std::get_if<Entries>(&positions)) parsed = std::move(*entries);
  }
  {
    PositionStore store("/proc/self/fd/" + std::to_string(fd));
    Entries loaded = entries_of(store);
    fuzz::require(parsed ? loaded == *parsed : loaded.empty(),
                  "the store holds what parse() reads, or nothing");

    auto reread = PositionStore::parse(store.serialize());
    fuzz::require(std::holds_alternative<Entries>(reread), "what the store writes reads back");
    fuzz::require(std::get<Entries>(reread) == loaded,
                  "what the store writes reads back as the same entries");
  }
  ::close(fd);
  return 0;
}
