#include "cos_exporter/classification/classifier.hpp"

#include <map>

namespace cos_exporter {
Classifier::Classifier(Catalog catalog, GroupMatcher groups)
    : catalog_(std::move(catalog)), groups_(std::move(groups)) {
  // Codes in order of first appearance, each with its entries in document order.
  std::vector<std::int64_t> code_order;
  std::map<std::int64_t, std::vector<std::size_t>> entries_of;
  auto entries = catalog_.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].applies_to_all_dialects()) continue;
    auto [it, inserted] = entries_of.try_emplace(entries[i].code);
    if (inserted) code_order.push_back(entries[i].code);
    it->second.push_back(i);
  }

  table_ = CodeTable<Slot>(code_order.size());

  for (std::int64_t code : code_order) {
    auto const& indices = entries_of[code];
    Slot slot{code, static_cast<std::uint32_t>(classes_.size()),
              static_cast<std::uint32_t>(indices.size())};
    CodeClass combined{
        code, std::to_string(code), "", entries[indices[0]].category, Kind::success, {}, 0, {}};
    for (std::size_t index : indices) {
      CatalogEntry const& entry = entries[index];
      GroupMask groups_of_entry = groups_.match(code, entry.name, entry.category);
      classes_.push_back(CodeClass{code,
                                   std::to_string(code),
                                   entry.name,
                                   entry.category,
                                   entry.kind,
                                   {index},
                                   groups_of_entry,
                                   {}});
      combined.name += (combined.name.empty() ? "" : "|") + entry.name;
      combined.entries.push_back(index);
      combined.groups |= groups_of_entry;
      if (entry.kind == Kind::error) combined.kind = Kind::error;
    }
    if (indices.size() > 1) classes_.push_back(std::move(combined));

    table_.find(code) = slot;
  }
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (!entries[i].applies_to_all_dialects()) add_dialect_class(i);
}

void Classifier::add_dialect_class(std::size_t entry_index) {
  CatalogEntry const& entry = catalog_.entries()[entry_index];
  auto index = static_cast<std::uint32_t>(classes_.size());
  classes_.push_back(CodeClass{entry.code,
                               std::to_string(entry.code),
                               entry.name,
                               entry.category,
                               entry.kind,
                               {entry_index},
                               groups_.match(entry.code, entry.name, entry.category),
                               entry.sdks});
  for (SdkDialect dialect : entry.sdks)
    dialect_codes_[static_cast<std::size_t>(dialect)].push_back(DialectCode{entry.code, index});
}

Classifier::Slot const* Classifier::find_slot(std::int64_t code) const noexcept {
  Slot const& slot = table_.find(code);
  return slot.empty() ? nullptr : &slot;
}

std::uint32_t Classifier::classify(std::int64_t code, std::string_view message,
                                   SdkDialect dialect) const noexcept {
  if (dialect != SdkDialect::document)
    for (DialectCode const& own : dialect_codes_[static_cast<std::size_t>(dialect)])
      if (own.code == code) return own.class_index;
  Slot const* slot = find_slot(code);
  if (slot == nullptr) return kUnknown;
  if (slot->name_count == 1) return slot->first_class;
  for (std::uint32_t i = 0; i < slot->name_count; ++i)
    if (classes_[slot->first_class + i].name == message) return slot->first_class + i;
  return slot->first_class + slot->name_count;  // the combined class
}

GroupMask Classifier::unknown_code_groups(std::int64_t code, std::string_view name) const {
  return groups_.match(code, name, Category::unknown);
}

}  // namespace cos_exporter
