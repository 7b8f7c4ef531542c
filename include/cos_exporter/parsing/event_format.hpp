#pragma once

#include <optional>
#include <string_view>

namespace cos_exporter {

enum class EventFormat { auto_detect, json, logfmt, regex };

std::string_view to_string(EventFormat format);
std::optional<EventFormat> parse_event_format(std::string_view text);  // auto|json|logfmt|regex

}  // namespace cos_exporter
