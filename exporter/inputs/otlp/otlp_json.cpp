// OTLP/JSON: the protobuf JSON mapping with the OTLP exceptions (trace and
// span ids as hex, not base64; lowerCamelCase keys only; enums as numbers).
// Unknown keys are ignored, as the specification asks.
#include <cstring>

#include "cos_exporter/parsing/line_parser.hpp"
#include "otlp_decoder.hpp"
#include "otlp_value.hpp"

namespace cos_exporter::otlp {

namespace dom = simdjson::dom;

namespace {

// A bad shape somewhere in the request: its text is the 400 answer's message.
struct Bad {
  char const* what;
};

// The elements of the array at `key`: none when it is absent or null.
template <typename Each>
void for_each_at(dom::object object, char const* key, Each&& each) {
  auto field = object[key];
  if (field.error() == simdjson::NO_SUCH_FIELD || field.is_null()) return;
  dom::array array;
  if (field.get(array) != simdjson::SUCCESS) throw Bad{key};
  for (dom::element element : array) each(element);
}

dom::object object_of(dom::element element, char const* what) {
  dom::object object;
  if (element.get(object) != simdjson::SUCCESS) throw Bad{what};
  return object;
}

// An AnyValue object: {"stringValue": ...}, {"intValue": "5"} (or 5), ...
Value to_value(dom::element element) {
  if (element.is_null()) return {};
  dom::object object = object_of(element, "value");
  for (auto [key, value] : object) {
    if (key == "stringValue") {
      std::string_view text;
      if (value.get(text) != simdjson::SUCCESS) throw Bad{"stringValue"};
      return {Value::Type::string, text, 0};
    }
    if (key == "intValue") {
      std::int64_t integer = 0;
      std::string_view text;
      if (value.get(integer) == simdjson::SUCCESS) return {Value::Type::integer, {}, integer};
      if (value.get(text) == simdjson::SUCCESS && parse_code(text, integer))
        return {Value::Type::integer, {}, integer};
      throw Bad{"intValue"};
    }
    if (key == "boolValue" || key == "doubleValue" || key == "arrayValue" || key == "kvlistValue" ||
        key == "bytesValue")
      return {Value::Type::other, {}, 0};
  }
  return {};
}

// The entries of a key/value list: [{"key": ..., "value": {...}}, ...].
template <typename Each>
void for_each_entry(dom::object object, char const* key, Each&& each) {
  for_each_at(object, key, [&](dom::element entry) {
    dom::object object = object_of(entry, "attribute");
    std::string_view key;
    auto key_field = object["key"];
    if (key_field.error() == simdjson::NO_SUCH_FIELD) {
      key = {};
    } else if (key_field.get(key) != simdjson::SUCCESS) {
      throw Bad{"key"};
    }
    auto value_field = object["value"];
    dom::element value;
    if (value_field.error() == simdjson::NO_SUCH_FIELD) return each(key, Value{});
    if (value_field.get(value) != simdjson::SUCCESS) throw Bad{"value"};
    each(key, value);
  });
}

void take_field(std::string_view key, Value const& value, EventFieldNames const& names,
                EventFields& fields) {
  if (value.type != Value::Type::string) return;
  int index = names.find(key);
  if (index >= 0) fields.values[static_cast<std::size_t>(index)] = value.text;
}

Value value_of(dom::element element) {
  return to_value(element);
}
Value value_of(Value value) {
  return value;
}

std::string_view hex_id(dom::object record, char const* key, std::size_t digits, char* out) {
  auto field = record[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return {};
  std::string_view text;
  if (field.get(text) != simdjson::SUCCESS) throw Bad{key};
  if (text.empty()) return {};
  if (!copy_hex(text, digits, out)) throw Bad{key};
  return {out, digits};
}

}  // namespace

Decoded Decoder::decode_json(std::string_view body, EventFieldNames const& names,
                             OnRecord const& on_record) {
  padded_.resize(body.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded_.data(), body.data(), body.size());
  dom::element root;
  if (auto error = json_.parse(padded_.data(), body.size(), false).get(root); error)
    return {std::string("the body is not JSON: ") + simdjson::error_message(error), 0};

  int const trace_index = names.find(kTraceIdField);
  int const span_index = names.find(kSpanIdField);
  Decoded decoded;
  // Twice: first only checking the whole request, then handing the records on.
  for (bool hand_on : {false, true}) {
    decoded.records = 0;
    try {
      dom::object request = object_of(root, "request");
      for_each_at(request, "resourceLogs", [&](dom::element resource_logs_element) {
        dom::object resource_logs = object_of(resource_logs_element, "resourceLogs");
        EventFields resource_fields;
        if (auto resource = resource_logs["resource"];
            resource.error() == simdjson::SUCCESS && !resource.is_null()) {
          dom::object resource_object = object_of(resource.value_unsafe(), "resource");
          for_each_entry(resource_object, "attributes", [&](auto key, auto value) {
            take_field(key, value_of(value), names, resource_fields);
          });
        }
        for_each_at(resource_logs, "scopeLogs", [&](dom::element scope_logs_element) {
          dom::object scope_logs = object_of(scope_logs_element, "scopeLogs");
          for_each_at(scope_logs, "logRecords", [&](dom::element record_element) {
            dom::object log_record = object_of(record_element, "logRecords");
            ++decoded.records;
            Record record;
            record.fields = resource_fields;
            CarrierReader reader;
            for_each_entry(log_record, "attributes", [&](auto key, auto value) {
              Value read = value_of(value);
              reader.attribute(key, [&] { return read; });
              take_field(key, read, names, record.fields);
            });
            auto body_field = log_record["body"];
            if (body_field.error() == simdjson::SUCCESS && !body_field.is_null()) {
              dom::object body_object = object_of(body_field.value_unsafe(), "body");
              auto kvlist = body_object["kvlistValue"];
              if (kvlist.error() == simdjson::SUCCESS) {
                reader.carriers.body = {Value::Type::other, {}, 0};
                reader.carriers.body_is_map = true;
                dom::object kvlist_object = object_of(kvlist.value_unsafe(), "kvlistValue");
                for_each_entry(kvlist_object, "values", [&](auto key, auto value) {
                  Value read = value_of(value);
                  reader.map_entry(key, [&] { return read; });
                  take_field(key, read, names, record.fields);
                });
              } else {
                reader.carriers.body = to_value(body_field.value_unsafe());
              }
            }
            auto trace = hex_id(log_record, "traceId", trace_hex_.size(), trace_hex_.data());
            auto span = hex_id(log_record, "spanId", span_hex_.size(), span_hex_.data());
            if (!hand_on) return;
            if (trace_index >= 0 && !trace.empty())
              record.fields.values[static_cast<std::size_t>(trace_index)] = trace;
            if (span_index >= 0 && !span.empty())
              record.fields.values[static_cast<std::size_t>(span_index)] = span;
            classify(reader.carriers, record);
            on_record(record);
          });
        });
      });
    } catch (Bad const& bad) {
      return {std::string("the JSON request has a bad ") + bad.what, 0};
    }
  }
  return decoded;
}

}  // namespace cos_exporter::otlp
