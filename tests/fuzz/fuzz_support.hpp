#pragma once

// Checks every fuzz target shares (fuzz_support.cpp sets up their logging).

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace cos_exporter::fuzz {

// A broken invariant is a finding like a crash: abort so libFuzzer keeps the input.
inline void require(bool condition, std::string_view what) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// An error about a file the operator wrote is one line: "file:line:column: message".
inline void require_one_line(std::exception const& error) {
  std::string_view message = error.what();
  if (message.find('\n') == std::string_view::npos) return;
  std::fprintf(stderr, "invariant broken: an error of more than one line: %s\n", error.what());
  std::abort();
}

}  // namespace cos_exporter::fuzz
