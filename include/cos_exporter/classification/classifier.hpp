#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/classification/group_matcher.hpp"

namespace cos_exporter {

// One way an event can be classified: a catalogued (code, name), or for a
// shared code the combined class whose name joins all names with `|`.
// Each error class is one series of cos_errors_total.
struct CodeClass {
  std::int64_t code = 0;
  std::string code_label;  // the code as the `code` label prints it
  std::string name;
  Category category = Category::unknown;
  Kind kind = Kind::error;
  std::vector<std::size_t> entries;  // indices into catalog().entries()
  GroupMask groups = 0;
};

// Maps (code, message) to a CodeClass in constant time, without allocating.
// Shared codes (SPEC §5): a message equal to one of the names selects that
// name's class; any other message selects the combined class.
class Classifier {
 public:
  static constexpr std::uint32_t kUnknown = 0xffffffffu;

  Classifier(Catalog catalog, GroupMatcher groups);

  std::uint32_t classify(std::int64_t code, std::string_view message) const noexcept;

  CodeClass const& at(std::uint32_t index) const { return classes_[index]; }
  std::span<CodeClass const> classes() const { return classes_; }
  Catalog const& catalog() const { return catalog_; }
  GroupMatcher const& group_matcher() const { return groups_; }
  // Groups of a code the catalog does not hold (category unknown, name UNKNOWN).
  GroupMask unknown_code_groups(std::int64_t code) const;

 private:
  struct Slot {
    std::int64_t code = 0;
    std::uint32_t first_class = kUnknown;  // kUnknown: empty slot
    std::uint32_t name_count = 0;          // classes first..first+n-1 by name, then combined
  };
  Slot const* find_slot(std::int64_t code) const noexcept;

  Catalog catalog_;
  GroupMatcher groups_;
  std::vector<CodeClass> classes_;
  std::vector<Slot> table_;  // open addressing, power-of-two size
  std::uint64_t mask_ = 0;
};

inline constexpr std::string_view kUnknownName = "UNKNOWN";

}  // namespace cos_exporter
