#pragma once

#include <cstddef>
#include <string_view>

#include "cos_exporter/parsing/malformed_reason.hpp"

namespace cos_exporter {

// Deeper JSON (or Python literal) nesting than this is malformed (too_deep):
// no event is nested that deep, and it bounds the work per line.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Where an event might be inside a line that has other text around it. These
// only find a candidate's extent; the JSON parser checks it.
//
// A candidate is an object (between '{' and its matching '}') with a key that
// is exactly `code`: `"code"` for JSON, `'code'` or `u'code'` for a Python
// dict literal. A key that merely ends in `code` is not one.
struct Candidate {
  enum class Status : std::uint8_t { found, none, malformed };
  Status status = Status::none;
  MalformedReason reason = MalformedReason::empty;  // with Status::malformed
  std::string_view object;                          // with Status::found
  std::size_t key_end = 0;  // offset in the line just past the key: where the search goes on
};

enum class Dialect : std::uint8_t { json, python };

// The innermost object around the first `code` key of `dialect` at or after
// `from`. `malformed` when such a key is found but its object never closes
// (invalid_json) or nests too deep (too_deep), and no later key does better.
Candidate locate_object_with_code(std::string_view line, Dialect dialect,
                                  std::size_t from = 0) noexcept;

// The offset of the '}' that closes the '{' at `open`, honouring strings
// quoted by `"` (and `'` for Python) with backslash escapes; npos when it does
// not close, with `too_deep` set when nesting passed kMaxJsonDepth.
std::size_t matching_brace(std::string_view text, std::size_t open, Dialect dialect,
                           bool& too_deep) noexcept;

// Python dict literal fields: the value after `'key':` inside `object`, as
// written (an integer, or a quoted string without its quotes and `u`/`b`
// prefix). False when the key is not there. `quoted` says which it was.
bool python_dict_value(std::string_view object, std::string_view key, std::string_view& value,
                       bool& quoted) noexcept;

}  // namespace cos_exporter
