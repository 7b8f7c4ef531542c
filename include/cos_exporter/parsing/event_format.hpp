#pragma once

#include <optional>
#include <string_view>

namespace cos_exporter {

enum class EventFormat { auto_detect, json, logfmt, regex };

std::string_view to_string(EventFormat format);
std::optional<EventFormat> parse_event_format(std::string_view text);  // auto|json|logfmt|regex

// What may wrap the event text of a line: a container runtime's log format
// (CRI, Docker json-file) or a syslog header. `auto_detect` recognises each by
// its shape; the others insist on one (or on none).
enum class Envelope { auto_detect, none, cri, docker, syslog };

std::string_view to_string(Envelope envelope);
std::optional<Envelope> parse_envelope(std::string_view text);  // auto|none|cri|docker|syslog

}  // namespace cos_exporter
