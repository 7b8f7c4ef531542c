#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cos_exporter {

inline constexpr std::size_t kMaxEventFields = 12;

// The fields, besides code, message and count, that the counting stage wants
// from every event (exemplar fields, and the fields of event labels): a JSON
// top-level key, a logfmt key or a regex named group of that name.
class EventFieldNames {
 public:
  EventFieldNames() = default;
  // Throws std::invalid_argument beyond kMaxEventFields names.
  explicit EventFieldNames(std::vector<std::string> names);

  // The index of `key` among the names, or -1.
  int find(std::string_view key) const noexcept {
    // Length and first byte first: most keys of an event are none of these.
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i].size() == key.size() && names_[i][0] == key[0] && names_[i] == key)
        return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> const& names() const { return names_; }
  bool empty() const { return names_.empty(); }
  // Differs between any two sets built, so a parser can cache what it derives.
  std::uint64_t id() const { return id_; }

  static EventFieldNames const& none();

 private:
  std::vector<std::string> names_;
  std::uint64_t id_ = 0;
};

// The values of an event's fields, by index in EventFieldNames; empty when
// the event has no such field (or it is not a string). They point into the
// line or the parser's buffers, as Event::message does.
struct EventFields {
  std::array<std::string_view, kMaxEventFields> values{};
};

}  // namespace cos_exporter
