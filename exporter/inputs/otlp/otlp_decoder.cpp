#include "otlp_decoder.hpp"

#include "otlp_protobuf_request.hpp"

namespace cos_exporter::otlp {

Decoder::Decoder(std::size_t max_body_bytes) : json_(max_body_bytes) {}

Decoder::~Decoder() = default;

Decoded Decoder::decode(Encoding encoding, std::string_view body, EventFieldNames const& names,
                        OnRecord const& on_record) noexcept {
  try {
    return encoding == Encoding::protobuf ? decode_protobuf(body, names, on_record)
                                          : decode_json(body, names, on_record);
  } catch (std::exception const& e) {
    return {std::string("the request could not be read: ") + e.what(), 0};
  }
}

}  // namespace cos_exporter::otlp
