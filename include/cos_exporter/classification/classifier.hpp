#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/catalog.hpp"
#include "cos_exporter/classification/group_matcher.hpp"
#include "cos_exporter/common/code_table.hpp"

namespace cos_exporter {

inline constexpr std::string_view kUnknownName = "UNKNOWN";

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
  std::vector<SdkDialect> sdks;  // an SDK dialect's own entry: the dialects; empty otherwise
};

// Maps (code, message) to a CodeClass in constant time, without allocating.
// Shared codes: a message equal to one of the names selects that name's
// class; any other message selects the combined class. An SDK dialect's own
// entries (-1..-4 of the Java SDK, ...) take precedence for that dialect.
class Classifier {
 public:
  static constexpr std::uint32_t kUnknown = 0xffffffffu;

  Classifier(Catalog catalog, GroupMatcher groups);

  std::uint32_t classify(std::int64_t code, std::string_view message,
                         SdkDialect dialect = SdkDialect::document) const noexcept;

  CodeClass const& at(std::uint32_t index) const { return classes_[index]; }
  std::span<CodeClass const> classes() const { return classes_; }
  Catalog const& catalog() const { return catalog_; }
  GroupMatcher const& group_matcher() const { return groups_; }
  // Groups of a code the catalog does not hold (category unknown, `name` by
  // default UNKNOWN).
  GroupMask unknown_code_groups(std::int64_t code, std::string_view name = kUnknownName) const;

 private:
  struct Slot {
    std::int64_t code = 0;
    std::uint32_t first_class = kUnknown;  // kUnknown: empty slot
    std::uint32_t name_count = 0;          // classes first..first+n-1 by name, then combined
    bool empty() const noexcept { return first_class == kUnknown; }
  };
  Slot const* find_slot(std::int64_t code) const noexcept;
  void add_dialect_class(std::size_t entry_index);

  // A dialect's own codes: a handful, so a scan beats a table.
  struct DialectCode {
    std::int64_t code;
    std::uint32_t class_index;
  };

  Catalog catalog_;
  GroupMatcher groups_;
  std::vector<CodeClass> classes_;
  CodeTable<Slot> table_;
  std::array<std::vector<DialectCode>, kSdkDialectCount> dialect_codes_;
};

}  // namespace cos_exporter
