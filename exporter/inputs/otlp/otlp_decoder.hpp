#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cos_exporter/parsing/event_fields.hpp"
#include "otlp_record.hpp"

namespace cos_exporter::otlp {

enum class Encoding : std::uint8_t { protobuf, json };

// What a request's body decoded to: the error (empty when usable) and how many
// log records it held.
struct Decoded {
  std::string error;  // why the body cannot be read: answered 400, nothing counted
  std::size_t records = 0;
};

class ProtobufRequest;

// Reads an ExportLogsServiceRequest (binary protobuf, or OTLP/JSON: hex ids,
// lowerCamelCase keys, 64-bit integers as strings or numbers) and hands each
// of its log records to `on_record` as a Record. A body that cannot be read
// whole hands none: the request is checked completely before the first
// record is handed on. One decoder per input; not thread-safe; never throws
// for bad input.
class Decoder {
 public:
  using OnRecord = std::function<void(Record const&)>;

  explicit Decoder(std::size_t max_body_bytes);
  ~Decoder();

  void set_max_body_bytes(std::size_t bytes) noexcept { json_.set_max_capacity(bytes); }

  Decoded decode(Encoding encoding, std::string_view body, EventFieldNames const& names,
                 OnRecord const& on_record) noexcept;

 private:
  Decoded decode_protobuf(std::string_view body, EventFieldNames const& names,
                          OnRecord const& on_record);
  Decoded decode_json(std::string_view body, EventFieldNames const& names,
                      OnRecord const& on_record);

  std::unique_ptr<ProtobufRequest> protobuf_;
  simdjson::dom::parser json_;
  std::string padded_;
  // The hex ids of the record being handed on.
  std::array<char, 32> trace_hex_{};
  std::array<char, 16> span_hex_{};
};

}  // namespace cos_exporter::otlp
