#include "otlp_handler.hpp"

#include <array>
#include <boost/beast/core/string.hpp>

#include "cos_exporter/common/json_string.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace cos_exporter::otlp {

namespace {

constexpr std::string_view kProtobuf = "application/x-protobuf";
constexpr std::string_view kJson = "application/json";

// google.rpc.Status codes.
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;
constexpr int kResourceExhausted = 8;
constexpr int kUnimplemented = 12;
constexpr int kUnavailable = 14;

bool iequals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                               boost::beast::string_view(b.data(), b.size()));
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// A google.rpc.Status {code = 1, message = 2} in the request's encoding.
Answer status_answer(unsigned http_status, std::string_view content_type, int code,
                     std::string const& message) {
  Answer answer;
  answer.status = http_status;
  Encoding encoding = Encoding::protobuf;
  encoding_of(content_type, encoding);
  if (encoding == Encoding::json) {
    answer.content_type = kJson;
    answer.body = "{\"code\":" + std::to_string(code) + ",\"message\":";
    append_json_string(answer.body, message);
    answer.body += "}";
  } else {
    answer.content_type = kProtobuf;
    answer.body.push_back(0x08);
    append_varint(answer.body, static_cast<std::uint64_t>(code));
    answer.body.push_back(0x12);
    append_varint(answer.body, message.size());
    answer.body += message;
  }
  return answer;
}

}  // namespace

bool encoding_of(std::string_view content_type, Encoding& encoding) noexcept {
  auto media = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, kProtobuf)) {
    encoding = Encoding::protobuf;
    return true;
  }
  if (iequals(media, kJson)) {
    encoding = Encoding::json;
    return true;
  }
  return false;
}

RequestHandler::RequestHandler(LineProcessor& processor, CountingHub& hub,
                               std::size_t max_body_bytes)
    : processor_(processor), hub_(hub), max_body_bytes_(max_body_bytes), decoder_(max_body_bytes) {}

Answer RequestHandler::too_large(std::string_view content_type, std::size_t max_body_bytes) {
  return status_answer(413, content_type, kResourceExhausted,
                       "the request body is larger than max_body_bytes (" +
                           std::to_string(max_body_bytes) + " bytes, compressed or inflated)");
}

Answer RequestHandler::overloaded(std::string_view content_type) {
  Answer answer = status_answer(503, content_type, kUnavailable,
                                "every connection of this input (max_connections) is in use; "
                                "retry later");
  answer.retry_after = true;
  return answer;
}

Answer RequestHandler::bad_request(std::string_view content_type, std::string const& why) {
  return status_answer(400, content_type, kInvalidArgument, why);
}

bool RequestHandler::check_head(Request const& request, Answer& answer) noexcept {
  try {
    Encoding encoding = Encoding::protobuf;
    auto coding = trim(request.content_encoding);
    if (request.target != "/v1/logs")
      answer = status_answer(404, request.content_type, kNotFound,
                             "not found: OTLP logs are posted to /v1/logs");
    else if (request.method != "POST")
      answer = status_answer(405, request.content_type, kUnimplemented,
                             "method not allowed: OTLP logs are sent with POST");
    else if (!encoding_of(request.content_type, encoding))
      answer = status_answer(415, request.content_type, kInvalidArgument,
                             "unsupported Content-Type \"" + std::string(request.content_type) +
                                 "\": send application/x-protobuf or application/json");
    else if (!coding.empty() && !iequals(coding, "gzip") && !iequals(coding, "identity"))
      answer = status_answer(
          415, request.content_type, kInvalidArgument,
          "unsupported Content-Encoding \"" + std::string(coding) + "\": send gzip or none");
    else
      return true;
  } catch (...) {
    answer = status_answer(503, request.content_type, kUnavailable, "out of memory; retry later");
  }
  return false;
}

Answer RequestHandler::handle(Request const& request) noexcept {
  Answer answer;
  if (!check_head(request, answer)) return answer;
  try {
    Encoding encoding = Encoding::protobuf;
    encoding_of(request.content_type, encoding);
    std::string_view body = request.body;
    if (iequals(trim(request.content_encoding), "gzip")) {
      Inflated inflated = inflater_.inflate(body, max_body_bytes_);
      if (inflated.status == Inflated::Status::too_large)
        return too_large(request.content_type, max_body_bytes_);
      if (inflated.status == Inflated::Status::corrupt)
        return bad_request(request.content_type, "the gzip request body is damaged or cut short");
      body = inflated.data;
    }
    return accept(encoding, body);
  } catch (...) {
    return status_answer(503, request.content_type, kUnavailable, "out of memory; retry later");
  }
}

Answer RequestHandler::accept(Encoding encoding, std::string_view body) noexcept {
  constexpr std::size_t kReasons = kMalformedReasonCount + kNoEventReasonCount;
  std::array<std::uint64_t, kReasons> rejected{};
  std::uint64_t events = 0;
  Decoded decoded =
      decoder_.decode(encoding, body, hub_.counter().field_names(), [&](Record const& record) {
        LineProcessor::Outcome outcome;
        switch (record.kind) {
          case Record::Kind::line:
            outcome = processor_.process_record_line(record.message, record.fields);
            break;
          case Record::Kind::event:
            outcome = processor_.count_record(
                Event{record.code, record.message, record.count, record.fields});
            break;
          case Record::Kind::malformed:
          case Record::Kind::no_event:
            outcome = processor_.count_malformed(record.reason, record.message);
            break;
        }
        if (outcome.event)
          ++events;
        else
          ++rejected[static_cast<std::size_t>(outcome.reason)];
      });
  std::string_view content_type = encoding == Encoding::json ? kJson : kProtobuf;
  if (!decoded.error.empty()) return bad_request(content_type, decoded.error);
  tally_.records += decoded.records;
  tally_.events += events;

  std::uint64_t rejected_total = decoded.records - events;
  std::string message;
  if (rejected_total != 0) {
    message = std::to_string(rejected_total) + " of " + std::to_string(decoded.records) +
              " log records counted no event (";
    bool first = true;
    for (std::size_t reason = 0; reason < kReasons; ++reason) {
      if (rejected[reason] == 0) continue;
      if (!first) message += ", ";
      first = false;
      message +=
          std::to_string(rejected[reason]) + " " + std::string(kMalformedReasonLabels[reason]);
    }
    message +=
        "); a record is an event when its attributes carry cos.error.code or code, its body is "
        "a map with code, or its body is a string holding an event line";
  }
  Answer answer;
  answer.content_type = content_type;
  if (encoding == Encoding::json) {
    answer.body = "{}";
    if (rejected_total != 0) {
      answer.body = "{\"partialSuccess\":{\"rejectedLogRecords\":\"" +
                    std::to_string(rejected_total) + "\",\"errorMessage\":";
      append_json_string(answer.body, message);
      answer.body += "}}";
    }
  } else {
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse response;
    if (rejected_total != 0) {
      response.mutable_partial_success()->set_rejected_log_records(
          static_cast<std::int64_t>(rejected_total));
      response.mutable_partial_success()->set_error_message(message);
    }
    answer.body = response.SerializeAsString();
  }
  return answer;
}

}  // namespace cos_exporter::otlp
