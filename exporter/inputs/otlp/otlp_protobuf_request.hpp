#pragma once

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace cos_exporter::otlp {

// One request message, parsed into again and again: a cleared message keeps
// its parts for the next request, so a steady stream allocates little.
class ProtobufRequest {
 public:
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest message;
};

}  // namespace cos_exporter::otlp
