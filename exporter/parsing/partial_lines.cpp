#include "cos_exporter/parsing/partial_lines.hpp"

namespace cos_exporter {

PartialLines::Run* PartialLines::find(std::string_view source, bool stderr_stream) {
  auto it = sources_.find(source);
  if (it == sources_.end()) return nullptr;
  return &it->second.runs[stderr_stream ? 1 : 0];
}

PartialLines::Outcome PartialLines::add_part(std::string_view source, bool stderr_stream,
                                             std::string_view part) {
  Run* run = find(source, stderr_stream);
  if (run == nullptr) {
    if (sources_.size() >= kMaxSources) return Outcome::no_room;
    run = &sources_[std::string(source)].runs[stderr_stream ? 1 : 0];
  }
  run->open = true;
  if (run->overflowed) return Outcome::dropped;
  if (run->text.size() + part.size() > max_line_bytes_) {
    run->overflowed = true;
    std::string().swap(run->text);
    return Outcome::too_long;
  }
  run->text.append(part);
  return Outcome::pending;
}

PartialLines::Outcome PartialLines::finish(std::string_view source, bool stderr_stream,
                                           std::string_view part, std::string_view& line) {
  line = part;
  auto it = sources_.find(source);
  if (it == sources_.end()) return Outcome::complete;
  Run& run = it->second.runs[stderr_stream ? 1 : 0];
  if (!run.open) return Outcome::complete;
  Outcome outcome = Outcome::complete;
  if (run.overflowed) {
    outcome = Outcome::dropped;
  } else if (run.text.size() + part.size() > max_line_bytes_) {
    outcome = Outcome::too_long;
  } else {
    joined_.assign(run.text);
    joined_.append(part);
    line = joined_;
  }
  run.open = false;
  run.overflowed = false;
  run.text.clear();
  // A source with no open run holds no memory: paths come and go.
  Run const& other = it->second.runs[stderr_stream ? 0 : 1];
  if (!other.open) sources_.erase(it);
  return outcome;
}

std::size_t PartialLines::open_runs() const {
  std::size_t n = 0;
  for (auto const& [name, source] : sources_)
    for (auto const& run : source.runs) n += run.open ? 1 : 0;
  return n;
}

}  // namespace cos_exporter
