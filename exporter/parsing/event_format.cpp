#include "cos_exporter/parsing/event_format.hpp"

namespace cos_exporter {

std::string_view to_string(EventFormat format) {
  switch (format) {
    case EventFormat::auto_detect:
      return "auto";
    case EventFormat::json:
      return "json";
    case EventFormat::logfmt:
      return "logfmt";
    case EventFormat::regex:
      return "regex";
  }
  return "auto";
}

std::optional<EventFormat> parse_event_format(std::string_view text) {
  if (text == "auto") return EventFormat::auto_detect;
  if (text == "json") return EventFormat::json;
  if (text == "logfmt") return EventFormat::logfmt;
  if (text == "regex") return EventFormat::regex;
  return std::nullopt;
}

std::string_view to_string(Envelope envelope) {
  switch (envelope) {
    case Envelope::auto_detect:
      return "auto";
    case Envelope::none:
      return "none";
    case Envelope::cri:
      return "cri";
    case Envelope::docker:
      return "docker";
    case Envelope::syslog:
      return "syslog";
  }
  return "auto";
}

std::optional<Envelope> parse_envelope(std::string_view text) {
  for (Envelope envelope :
       {Envelope::auto_detect, Envelope::none, Envelope::cri, Envelope::docker, Envelope::syslog})
    if (text == to_string(envelope)) return envelope;
  return std::nullopt;
}

}  // namespace cos_exporter
