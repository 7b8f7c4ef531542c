#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cos_exporter/classification/category.hpp"
#include "cos_exporter/classification/sdk_dialect.hpp"

namespace cos_exporter {

struct CatalogEntry {
  std::int64_t code = 0;
  std::string name;
  Category category = Category::unknown;
  Kind kind = Kind::error;
  std::string description;     // the document's Chinese text, verbatim
  std::string description_en;  // English translation
  // Empty: the document's entry, for every SDK dialect that has none of its
  // own for the code. Otherwise the dialects whose SDKs give the code this name.
  std::vector<SdkDialect> sdks;

  bool applies_to_all_dialects() const { return sdks.empty(); }
};

// The list of known COS v4 codes, in document order. A code may appear more
// than once with different names (-61); a (code, name) pair appears once, and
// an SDK dialect names a code at most once.
class Catalog {
 public:
  // The catalog compiled in from config/catalog.yaml.
  static Catalog builtin();
  // Parses a catalog file (a mapping with `entries:`). Throws ConfigError
  // naming source:line:column for any invalid or duplicate entry.
  static Catalog parse(std::string_view yaml_text, std::string const& source_name);
  static Catalog load_file(std::string const& path);

  // catalog.extra: an entry with an existing (code, name) replaces it; any
  // other entry is appended (so a new name for a known code makes it shared).
  void add_or_replace(CatalogEntry entry);

  std::span<CatalogEntry const> entries() const { return entries_; }
  // Of entries(): those that name a code for some SDK dialects only (13 in
  // the built-in catalog, besides the document's 201 entries).
  std::size_t dialect_entries() const;
  std::vector<CatalogEntry const*> find(std::int64_t code) const;

 private:
  std::vector<CatalogEntry> entries_;
};

}  // namespace cos_exporter
