#pragma once

#include <cstdint>
#include <string_view>

#include "otlp_record.hpp"

namespace cos_exporter::otlp {

// An OTLP AnyValue as far as the counting reads it.
struct Value {
  enum class Type : std::uint8_t { absent, string, integer, other };
  Type type = Type::absent;
  std::string_view text;     // string
  std::int64_t integer = 0;  // integer
  bool present() const { return type != Type::absent; }
};

// Where a record's event may be: its attributes (cos.error.code, else code,
// and so on), its body when that is a map (code, message, count), its body
// when that is a string.
struct Carriers {
  Value attribute_code, attribute_message, attribute_count;
  bool body_is_map = false;
  Value map_code, map_message, map_count;
  Value body;  // a string body, or another kind
};

// Collects a record's carriers as its attributes and map body entries come.
// `value` is called only for the keys that carry an event.
class CarrierReader {
 public:
  // An attribute: cos.error.code (message, count) wins over code (...).
  template <typename ToValue>
  void attribute(std::string_view key, ToValue&& value) {
    auto [carrier, rank] = attribute_carrier(key);
    if (carrier == Carrier::none) return;
    auto index = static_cast<std::size_t>(carrier) - 1;
    if (rank <= ranks_[index]) return;
    ranks_[index] = rank;
    Value* slots[] = {&carriers.attribute_code, &carriers.attribute_message,
                      &carriers.attribute_count};
    *slots[index] = value();
  }
  // An entry of a map body: code, message, count.
  template <typename ToValue>
  void map_entry(std::string_view key, ToValue&& value) {
    carriers.body_is_map = true;
    Carrier carrier = map_carrier(key);
    if (carrier == Carrier::none) return;
    Value* slots[] = {&carriers.map_code, &carriers.map_message, &carriers.map_count};
    *slots[static_cast<std::size_t>(carrier) - 1] = value();
  }

  Carriers carriers;

 private:
  enum class Carrier : std::uint8_t { none, code, message, count };
  struct Key {
    Carrier carrier = Carrier::none;
    int rank = 0;  // 2 for the prefixed name, 1 for the plain one
  };
  static Key attribute_carrier(std::string_view key) noexcept;
  static Carrier map_carrier(std::string_view key) noexcept;
  int ranks_[3] = {0, 0, 0};
};

// Sets out.kind, code, message, count and reason from the carriers: the
// attributes' code first, then a map body's, then a string body as a line.
void classify(Carriers const& carriers, Record& out) noexcept;

// Lowercase hex of `bytes` into `out` (twice its size).
void to_hex(std::string_view bytes, char* out) noexcept;
// Lowercase copy of a hex id of exactly `size` digits, or false.
bool copy_hex(std::string_view hex, std::size_t size, char* out) noexcept;

}  // namespace cos_exporter::otlp
