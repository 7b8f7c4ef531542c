#include "otlp_value.hpp"

#include "cos_exporter/parsing/line_parser.hpp"

namespace cos_exporter::otlp {

CarrierReader::Key CarrierReader::attribute_carrier(std::string_view key) noexcept {
  if (key == kCodeAttribute) return {Carrier::code, 2};
  if (key == kMessageAttribute) return {Carrier::message, 2};
  if (key == kCountAttribute) return {Carrier::count, 2};
  Carrier plain = map_carrier(key);
  return {plain, plain == Carrier::none ? 0 : 1};
}

CarrierReader::Carrier CarrierReader::map_carrier(std::string_view key) noexcept {
  if (key == "code") return Carrier::code;
  if (key == "message") return Carrier::message;
  if (key == "count") return Carrier::count;
  return Carrier::none;
}

namespace {

bool read_code(Value const& value, std::int64_t& code) noexcept {
  if (value.type == Value::Type::integer) {
    code = value.integer;
    return true;
  }
  return value.type == Value::Type::string && parse_code(value.text, code);
}

bool read_count(Value const& value, std::uint64_t& count) noexcept {
  if (!value.present()) {
    count = 1;
    return true;
  }
  if (value.type == Value::Type::integer) {
    // The bound parse_count applies: exact in the float64 exposition.
    constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;
    if (value.integer < 1 || value.integer > kMaxCount) return false;
    count = static_cast<std::uint64_t>(value.integer);
    return true;
  }
  return value.type == Value::Type::string && parse_count(value.text, count);
}

void event_from(Value const& code, Value const& message, Value const& count,
                std::string_view fallback_message, Record& out) noexcept {
  if (!read_code(code, out.code)) {
    out.kind = Record::Kind::malformed;
    out.reason = MalformedReason::invalid_code;
    return;
  }
  if (!read_count(count, out.count)) {
    out.kind = Record::Kind::malformed;
    out.reason = MalformedReason::invalid_count;
    return;
  }
  out.kind = Record::Kind::event;
  out.message = message.type == Value::Type::string ? message.text : fallback_message;
}

}  // namespace

void classify(Carriers const& c, Record& out) noexcept {
  std::string_view body_text =
      c.body.type == Value::Type::string ? c.body.text : std::string_view{};
  if (c.attribute_code.present())
    return event_from(c.attribute_code, c.attribute_message, c.attribute_count, body_text, out);
  if (c.body_is_map && c.map_code.present())
    return event_from(c.map_code, c.map_message, c.map_count, {}, out);
  if (c.body.type == Value::Type::string) {
    out.kind = Record::Kind::line;
    out.message = c.body.text;
    return;
  }
  out.kind = Record::Kind::no_event;
  out.reason = MalformedReason::no_event;
}

void to_hex(std::string_view bytes, char* out) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char byte : bytes) {
    *out++ = kDigits[byte >> 4];
    *out++ = kDigits[byte & 0x0f];
  }
}

bool copy_hex(std::string_view hex, std::size_t size, char* out) noexcept {
  if (hex.size() != size) return false;
  for (char c : hex) {
    if (c >= '0' && c <= '9') {
      *out++ = c;
    } else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
      *out++ = static_cast<char>(c | 0x20);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace cos_exporter::otlp
