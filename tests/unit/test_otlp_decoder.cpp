#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "inputs/otlp/bounded_inflate.hpp"
#include "inputs/otlp/otlp_decoder.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

using namespace cos_exporter;
using namespace cos_exporter::otlp;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_common = opentelemetry::proto::common::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

namespace {

// A record as the test reads it back: its views copied.
struct Seen {
  Record::Kind kind;
  MalformedReason reason;
  std::int64_t code;
  std::string message;
  std::uint64_t count;
  std::vector<std::string> fields;
};

EventFieldNames names() {
  return EventFieldNames({"trace_id", "span_id", "service.name", "request_id"});
}

std::pair<Decoded, std::vector<Seen>> decode(Encoding encoding, std::string const& body) {
  static Decoder decoder(1 << 20);
  std::vector<Seen> seen;
  auto field_names = names();
  Decoded decoded = decoder.decode(encoding, body, field_names, [&](Record const& record) {
    Seen s{record.kind, record.reason, record.code, std::string(record.message), record.count, {}};
    for (std::size_t i = 0; i < field_names.names().size(); ++i)
      s.fields.emplace_back(record.fields.values[i]);
    seen.push_back(std::move(s));
  });
  return {decoded, seen};
}

void set_string(pb_common::KeyValue* kv, std::string key, std::string value) {
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(value));
}

ExportLogsServiceRequest sample_request() {
  ExportLogsServiceRequest request;
  auto* resource_logs = request.add_resource_logs();
  set_string(resource_logs->mutable_resource()->add_attributes(), "service.name", "checkout");
  auto* scope = resource_logs->add_scope_logs();
  // 1: a string body holding an event line, with trace context.
  auto* line = scope->add_log_records();
  line->mutable_body()->set_string_value(R"({"code": 42, "message": "boom"})");
  line->set_trace_id(
      std::string("\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c", 16));
  line->set_span_id(std::string("\xb7\xad\x6b\x71\x69\x20\x33\x31", 8));
  // 2: a map body with code, message and count.
  auto* map = scope->add_log_records();
  auto* kvlist = map->mutable_body()->mutable_kvlist_value();
  auto* code = kvlist->add_values();
  code->set_key("code");
  code->mutable_value()->set_int_value(-7);
  set_string(kvlist->add_values(), "message", "from a map");
  auto* count = kvlist->add_values();
  count->set_key("count");
  count->mutable_value()->set_int_value(3);
  set_string(kvlist->add_values(), "request_id", "r-1");
  // 3: the code in attributes: cos.error.code wins over code; the body is the message.
  auto* attributed = scope->add_log_records();
  attributed->mutable_body()->set_string_value("payment declined");
  auto* plain = attributed->add_attributes();
  plain->set_key("code");
  plain->mutable_value()->set_int_value(1);
  set_string(attributed->add_attributes(), "cos.error.code", "1005");
  set_string(attributed->add_attributes(), "service.name", "override");
  // 4: nothing that carries an event.
  auto* nothing = scope->add_log_records();
  nothing->mutable_body()->set_double_value(1.5);
  // 5: a map body whose code is not an integer.
  auto* bad = scope->add_log_records();
  set_string(bad->mutable_body()->mutable_kvlist_value()->add_values(), "code", "E42");
  return request;
}

}  // namespace

TEST_CASE("OTLP protobuf: string, map and attribute records, ids and resource fields", "[otlp]") {
  auto [decoded, seen] = decode(Encoding::protobuf, sample_request().SerializeAsString());
  REQUIRE(decoded.error.empty());
  CHECK(decoded.records == 5);
  REQUIRE(seen.size() == 5);

  CHECK(seen[0].kind == Record::Kind::line);
  CHECK(seen[0].message == R"({"code": 42, "message": "boom"})");
  CHECK(seen[0].fields[0] == "0af7651916cd43dd8448eb211c80319c");
  CHECK(seen[0].fields[1] == "b7ad6b7169203331");
  CHECK(seen[0].fields[2] == "checkout");

  CHECK(seen[1].kind == Record::Kind::event);
  CHECK(seen[1].code == -7);
  CHECK(seen[1].message == "from a map");
  CHECK(seen[1].count == 3);
  CHECK(seen[1].fields[0].empty());
  CHECK(seen[1].fields[3] == "r-1");

  CHECK(seen[2].kind == Record::Kind::event);
  CHECK(seen[2].code == 1005);
  CHECK(seen[2].message == "payment declined");
  CHECK(seen[2].count == 1);
  CHECK(seen[2].fields[2] == "override");

  CHECK(seen[3].kind == Record::Kind::no_event);
  CHECK(seen[3].reason == MalformedReason::no_event);
  CHECK(seen[4].kind == Record::Kind::malformed);
  CHECK(seen[4].reason == MalformedReason::invalid_code);
}

TEST_CASE("OTLP protobuf: garbage, a truncated request and bad ids are refused whole", "[otlp]") {
  std::string whole = sample_request().SerializeAsString();
  for (std::size_t cut : {whole.size() - 1, whole.size() / 2, std::size_t{3}}) {
    auto [decoded, seen] = decode(Encoding::protobuf, whole.substr(0, cut));
    CHECK_FALSE(decoded.error.empty());
    CHECK(seen.empty());
  }
  auto [garbage, none] =
      decode(Encoding::protobuf, std::string("\xff\xff\xff\xff\x0f garbage", 13));
  CHECK_FALSE(garbage.error.empty());
  CHECK(none.empty());

  ExportLogsServiceRequest request = sample_request();
  request.mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records(4)->set_trace_id(
      "short");
  auto [bad_id, nothing] = decode(Encoding::protobuf, request.SerializeAsString());
  CHECK(bad_id.error == "a log record's trace_id is not 16 bytes");
  CHECK(nothing.empty());  // not even the records before the bad one

  auto [empty, no_records] = decode(Encoding::protobuf, "");
  CHECK(empty.error.empty());
  CHECK(empty.records == 0);
}

TEST_CASE("OTLP JSON: hex ids, camelCase keys, integers as strings or numbers", "[otlp]") {
  std::string body = R"({"resourceLogs":[{
    "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
    "scopeLogs":[{"scope":{"name":"x"},"logRecords":[
      {"body":{"stringValue":"{\"code\": 42}"},
       "traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"b7ad6b7169203331",
       "severityNumber":17,"timeUnixNano":"1700000000000000000","unknownKey":[1,2]},
      {"body":{"kvlistValue":{"values":[{"key":"code","value":{"intValue":"-7"}},
                                        {"key":"count","value":{"intValue":3}},
                                        {"key":"message","value":{"stringValue":"m"}}]}}},
      {"attributes":[{"key":"code","value":{"intValue":"1005"}},
                     {"key":"service.name","value":{"stringValue":"override"}}],
       "body":{"stringValue":"declined"},"traceId":"","spanId":""},
      {"body":{"boolValue":true}},
      {},
      {"attributes":[{"key":"cos.error.code","value":{"stringValue":"1"}},
                     {"key":"cos.error.count","value":{"intValue":"0"}}]}
    ]}]}]})";
  auto [decoded, seen] = decode(Encoding::json, body);
  REQUIRE(decoded.error.empty());
  CHECK(decoded.records == 6);
  REQUIRE(seen.size() == 6);
  CHECK(seen[0].kind == Record::Kind::line);
  CHECK(seen[0].message == R"({"code": 42})");
  CHECK(seen[0].fields[0] == "0af7651916cd43dd8448eb211c80319c");
  CHECK(seen[0].fields[1] == "b7ad6b7169203331");
  CHECK(seen[0].fields[2] == "checkout");
  CHECK(seen[1].kind == Record::Kind::event);
  CHECK(seen[1].code == -7);
  CHECK(seen[1].count == 3);
  CHECK(seen[1].message == "m");
  CHECK(seen[2].kind == Record::Kind::event);
  CHECK(seen[2].code == 1005);
  CHECK(seen[2].message == "declined");
  CHECK(seen[2].fields[0].empty());
  CHECK(seen[2].fields[2] == "override");
  CHECK(seen[3].kind == Record::Kind::no_event);
  CHECK(seen[4].kind == Record::Kind::no_event);
  CHECK(seen[5].kind == Record::Kind::malformed);
  CHECK(seen[5].reason == MalformedReason::invalid_count);
}

TEST_CASE("OTLP JSON: bad payloads are refused whole", "[otlp]") {
  for (
      std::string body : {
          std::string("not json"),
          std::string(R"({"resourceLogs":{}})"),
          std::string(
              R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"{\"code\":1}"}},
              {"traceId":"xyz"}]}]}]})"),
          std::string(
              R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"0af7651916cd43dd"},
              {"attributes":[{"key":"code","value":{"intValue":"12x"}}]}]}]}]})"),
          std::string(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"a string"}]}]}]})"),
          std::string(R"([1,2,3])"),
          std::string(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[)"),
      }) {
    auto [decoded, seen] = decode(Encoding::json, body);
    INFO(body);
    CHECK_FALSE(decoded.error.empty());
    CHECK(seen.empty());
  }
  auto [empty, none] = decode(Encoding::json, "{}");
  CHECK(empty.error.empty());
  CHECK(empty.records == 0);
}

namespace {

std::string gzip(std::string const& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

TEST_CASE("Bounded inflate: stops a gzip bomb at the limit, reads members, refuses damage",
          "[otlp]") {
  BoundedInflater inflater;
  std::string bomb = gzip(std::string(64 << 20, '\0'));  // 64 MiB of zeros in ~64 KiB
  CHECK(bomb.size() < (1 << 20));
  CHECK(inflater.inflate(bomb, 1 << 20).status == Inflated::Status::too_large);

  std::string text = "hello otlp";
  auto exact = inflater.inflate(gzip(text), text.size());
  REQUIRE(exact.status == Inflated::Status::ok);
  CHECK(exact.data == text);
  CHECK(inflater.inflate(gzip(text), text.size() - 1).status == Inflated::Status::too_large);

  auto members = inflater.inflate(gzip("one ") + gzip("two"), 100);
  REQUIRE(members.status == Inflated::Status::ok);
  CHECK(members.data == "one two");

  std::string damaged = gzip(text);
  CHECK(inflater.inflate(damaged.substr(0, damaged.size() - 6), 100).status ==
        Inflated::Status::corrupt);
  CHECK(inflater.inflate("not gzip at all", 100).status == Inflated::Status::corrupt);
  CHECK(inflater.inflate("", 100).status == Inflated::Status::corrupt);
}
