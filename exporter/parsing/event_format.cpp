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

}  // namespace cos_exporter
