#include "event_locator.hpp"

#include <cstring>

namespace cos_exporter {
namespace {

constexpr std::size_t npos = std::string_view::npos;
// Bounds on the work for one line: keys looked at, and '{' tried per key.
constexpr int kMaxKeys = 8;
constexpr int kMaxOpeners = 8;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Offset just past the string quoted by text[open], or npos when it does not
// close. A quote preceded by an odd number of backslashes is escaped.
std::size_t string_end(std::string_view text, std::size_t open) {
  char quote = text[open];
  std::size_t from = open + 1;
  while (from < text.size()) {
    auto const* hit =
        static_cast<char const*>(std::memchr(text.data() + from, quote, text.size() - from));
    if (hit == nullptr) return npos;
    std::size_t at = static_cast<std::size_t>(hit - text.data());
    std::size_t backslashes = 0;
    while (at - backslashes > open + 1 && text[at - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return at + 1;
    from = at + 1;
  }
  return npos;
}

// After a key ending at `at`: blanks, then ':'. The offset past the ':' or npos.
std::size_t after_colon(std::string_view text, std::size_t at) {
  while (at < text.size() && is_blank(text[at])) ++at;
  return at < text.size() && text[at] == ':' ? at + 1 : npos;
}

}  // namespace

std::size_t matching_brace(std::string_view text, std::size_t open, Dialect dialect,
                           bool& too_deep) noexcept {
  too_deep = false;
  std::size_t depth = 0;
  std::size_t i = open;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' || (c == '\'' && dialect == Dialect::python)) {
      i = string_end(text, i);
      if (i == npos) return npos;
      continue;
    }
    if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        too_deep = true;
        return npos;
      }
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return c == '}' ? i : npos;
    }
    ++i;
  }
  return npos;
}

Candidate locate_object_with_code(std::string_view line, Dialect dialect,
                                  std::size_t from) noexcept {
  std::string_view const key = dialect == Dialect::json ? R"("code")" : "'code'";
  // No '{' before this one: the search for an outer object stops there
  // (memchr forward is far cheaper than rfind's byte loop back).
  std::size_t const first_open = line.find('{');
  Candidate failure;
  for (int keys = 0; keys < kMaxKeys; ++keys) {
    std::size_t key_at = line.find(key, from);
    if (key_at == npos) break;
    from = key_at + key.size();
    if (after_colon(line, from) == npos) continue;
    // The outermost '{' before the key whose object reaches past it: only the
    // keys of a top-level object make an event.
    Candidate found;
    std::size_t open = key_at;
    for (int openers = 0; openers < kMaxOpeners && open > 0 && open != first_open; ++openers) {
      open = line.rfind('{', open - 1);
      if (open == npos) break;
      bool too_deep = false;
      std::size_t close = matching_brace(line, open, dialect, too_deep);
      if (close == npos) {
        if (found.status == Candidate::Status::found) continue;  // text before the object
        failure.status = Candidate::Status::malformed;
        if (failure.reason != MalformedReason::too_deep)
          failure.reason = too_deep ? MalformedReason::too_deep : MalformedReason::invalid_json;
        continue;
      }
      if (close < key_at) continue;  // an object that ends before the key
      found.status = Candidate::Status::found;
      found.object = line.substr(open, close - open + 1);
      found.key_end = from;
      found.end = close + 1;
    }
    if (found.status == Candidate::Status::found) return found;
  }
  failure.key_end = from;
  return failure;
}

}  // namespace cos_exporter
