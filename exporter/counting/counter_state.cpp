#include "cos_exporter/counting/counter_state.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>

#include "cos_exporter/common/json_document.hpp"
#include "cos_exporter/common/json_string.hpp"

namespace cos_exporter {
namespace {

// Bytes JSON takes as they are in a string: printable ASCII but '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// Most label values are plain ASCII: copied without the escaping and UTF-8
// checks of append_json_string.
void append_value(std::string& out, std::string_view value) {
  bool plain = true;
  for (unsigned char c : value) plain &= kPlain[c];  // no early exit: the values are short
  if (!plain) {
    append_json_string(out, value);
    return;
  }
  out += '"';
  out += value;
  out += '"';
}

void append_family(std::string& out, bool& first, std::string const& name,
                   std::vector<std::string> const& label_names, auto const& each_series) {
  out += first ? "\n{\"name\":" : ",\n{\"name\":";
  first = false;
  append_json_string(out, name);
  out += ",\"labels\":[";
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, label_names[i]);
  }
  out += "],\"series\":[";
  bool first_series = true;
  auto emit = [&](std::vector<std::string> const& values, std::uint64_t value) {
    out += first_series ? "[" : ",[";
    first_series = false;
    for (auto const& v : values) {
      append_value(out, v);
      out += ',';
    }
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
    out += ']';
  };
  each_series(emit);
  out += "]}";
}

}  // namespace

std::string serialize_counters(MetricStore const& store) {
  std::string out;
  std::size_t series = 0;
  for (CounterFamily const* family : store.all_counter_families()) series += family->all().size();
  out.reserve(4096 + series * 96);
  out += "{\"families\":[";
  bool first = true;
  for (CounterFamily const* family : store.all_counter_families()) {
    if (family->all().empty()) continue;
    append_family(out, first, family->name(), family->label_names(), [&](auto&& emit) {
      for (auto const& [values, cell] : family->all()) emit(values, cell->value());
    });
  }
  out += "]}";
  return out;
}

std::variant<std::vector<MetricStore::RestoredFamily>, ParseFailure> parse_counters(
    std::string_view text) {
  JsonDocument json;
  if (auto failure = json.parse(text)) return std::move(*failure);
  simdjson::dom::element document = json.root();
  simdjson::dom::array families;
  if (document["families"].get_array().get(families)) return ParseFailure{"no families array"};
  std::vector<MetricStore::RestoredFamily> out;
  for (simdjson::dom::element element : families) {
    MetricStore::RestoredFamily family;
    std::string_view text_value;
    simdjson::dom::array labels, series;
    if (element["name"].get_string().get(text_value) || element["labels"].get_array().get(labels) ||
        element["series"].get_array().get(series))
      return ParseFailure{"a family lacks name, labels or series"};
    family.name = std::string(text_value);
    for (simdjson::dom::element label : labels) {
      if (label.get_string().get(text_value))
        return ParseFailure{"a label name of " + family.name + " is not a string"};
      family.label_names.emplace_back(text_value);
    }
    for (simdjson::dom::element one : series) {
      simdjson::dom::array items;
      if (one.get_array().get(items) || items.size() != family.label_names.size() + 1)
        return ParseFailure{"a series of " + family.name +
                            " does not have its label values and a value"};
      std::vector<std::string> values;
      std::uint64_t value = 0;
      std::size_t i = 0;
      for (simdjson::dom::element item : items) {
        bool ok = i < family.label_names.size() ? !item.get_string().get(text_value)
                                                : !item.get_uint64().get(value);
        if (!ok)
          return ParseFailure{"a series of " + family.name +
                              " has a mistyped label value or value"};
        if (i++ < family.label_names.size()) values.emplace_back(text_value);
      }
      family.series[std::move(values)] += value;
    }
    out.push_back(std::move(family));
  }
  return out;
}

}  // namespace cos_exporter
