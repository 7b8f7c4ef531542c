#pragma once

#include <cstddef>
#include <string_view>

#include "cos_exporter/parsing/malformed_reason.hpp"

namespace cos_exporter {

// Deeper JSON (or Python literal) nesting than this is malformed (too_deep):
// no event is nested that deep, and it bounds the work per line.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Where an event might be inside a line that has other text around it. These
// only find a candidate's extent; the JSON parser (or the Python dict reader)
// checks it.
//
// A candidate is an object (between '{' and its matching '}') that is not
// inside another object of the line, with a key that is exactly `code`
// somewhere in it: `"code"` for JSON, `'code'` or `u'code'` for a Python dict
// literal. A key that merely ends in `code` is not one. Whether `code` is one
// of the object's own (top-level) keys is for the reader to say: only those
// make an event.
struct Candidate {
  enum class Status : std::uint8_t { found, none, malformed };
  Status status = Status::none;
  MalformedReason reason = MalformedReason::no_event;  // with Status::malformed
  std::string_view object;                             // with Status::found
  std::size_t key_end = 0;  // offset in the line just past the key: where the search goes on
  std::size_t end = 0;      // with Status::found: offset in the line just past the object
};

enum class Dialect : std::uint8_t { json, python };

// The outermost object around the first `code` key of `dialect` at or after
// `from`. `malformed` when such a key is found but no object around it closes
// (invalid_json) or one nests too deep (too_deep), and no later key does
// better.
Candidate locate_object_with_code(std::string_view line, Dialect dialect,
                                  std::size_t from = 0) noexcept;

// The offset of the '}' that closes the '{' at `open`, honouring strings
// quoted by `"` (and `'` for Python) with backslash escapes; npos when it does
// not close, with `too_deep` set when nesting passed kMaxJsonDepth.
std::size_t matching_brace(std::string_view text, std::size_t open, Dialect dialect,
                           bool& too_deep) noexcept;

}  // namespace cos_exporter
