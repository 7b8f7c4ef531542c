// The binary protobuf encoding of an ExportLogsServiceRequest.
#include <google/protobuf/stubs/logging.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "otlp_decoder.hpp"
#include "otlp_protobuf_request.hpp"
#include "otlp_value.hpp"

namespace cos_exporter::otlp {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;

namespace {

Value to_value(pb_common::AnyValue const& any) noexcept {
  switch (any.value_case()) {
    case pb_common::AnyValue::kStringValue:
      return {Value::Type::string, any.string_value(), 0};
    case pb_common::AnyValue::kIntValue:
      return {Value::Type::integer, {}, any.int_value()};
    case pb_common::AnyValue::VALUE_NOT_SET:
      return {};
    default:
      return {Value::Type::other, {}, 0};
  }
}

void take_fields(google::protobuf::RepeatedPtrField<pb_common::KeyValue> const& attributes,
                 EventFieldNames const& names, EventFields& fields) noexcept {
  if (names.empty()) return;
  for (auto const& attribute : attributes) {
    int index = names.find(attribute.key());
    if (index >= 0 && attribute.value().value_case() == pb_common::AnyValue::kStringValue)
      fields.values[static_cast<std::size_t>(index)] = attribute.value().string_value();
  }
}

std::string check_ids(pb_logs::LogRecord const& record) {
  if (!record.trace_id().empty() && record.trace_id().size() != 16)
    return "a log record's trace_id is not 16 bytes";
  if (!record.span_id().empty() && record.span_id().size() != 8)
    return "a log record's span_id is not 8 bytes";
  return {};
}

}  // namespace

Decoded Decoder::decode_protobuf(std::string_view body, EventFieldNames const& names,
                                 OnRecord const& on_record) {
  if (!protobuf_) {
    // Protobuf would write its own complaints (invalid UTF-8 in a string) to stderr.
    google::protobuf::SetLogHandler(nullptr);
    protobuf_ = std::make_unique<ProtobufRequest>();
  }
  auto& request = protobuf_->message;
  if (!request.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return {"the body is not a protobuf ExportLogsServiceRequest", 0};
  Decoded decoded;
  for (auto const& resource_logs : request.resource_logs())
    for (auto const& scope_logs : resource_logs.scope_logs())
      for (auto const& record : scope_logs.log_records()) {
        if (auto error = check_ids(record); !error.empty()) return {std::move(error), 0};
        ++decoded.records;
      }

  int const trace_index = names.find(kTraceIdField);
  int const span_index = names.find(kSpanIdField);
  for (auto const& resource_logs : request.resource_logs()) {
    EventFields resource_fields;
    take_fields(resource_logs.resource().attributes(), names, resource_fields);
    for (auto const& scope_logs : resource_logs.scope_logs()) {
      for (auto const& log_record : scope_logs.log_records()) {
        Record record;
        record.fields = resource_fields;
        CarrierReader reader;
        for (auto const& attribute : log_record.attributes())
          reader.attribute(attribute.key(), [&] { return to_value(attribute.value()); });
        take_fields(log_record.attributes(), names, record.fields);
        auto const& body_value = log_record.body();
        if (body_value.value_case() == pb_common::AnyValue::kKvlistValue) {
          reader.carriers.body = {Value::Type::other, {}, 0};
          for (auto const& entry : body_value.kvlist_value().values())
            reader.map_entry(entry.key(), [&] { return to_value(entry.value()); });
          // An empty map is a map too.
          reader.carriers.body_is_map = true;
          take_fields(body_value.kvlist_value().values(), names, record.fields);
        } else {
          reader.carriers.body = to_value(body_value);
        }
        if (trace_index >= 0 && !log_record.trace_id().empty()) {
          to_hex(log_record.trace_id(), trace_hex_.data());
          record.fields.values[static_cast<std::size_t>(trace_index)] = {trace_hex_.data(),
                                                                         trace_hex_.size()};
        }
        if (span_index >= 0 && !log_record.span_id().empty()) {
          to_hex(log_record.span_id(), span_hex_.data());
          record.fields.values[static_cast<std::size_t>(span_index)] = {span_hex_.data(),
                                                                        span_hex_.size()};
        }
        classify(reader.carriers, record);
        on_record(record);
      }
    }
  }
  return decoded;
}

}  // namespace cos_exporter::otlp
