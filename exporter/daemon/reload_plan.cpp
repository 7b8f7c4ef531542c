#include "reload_plan.hpp"

#include <string>

namespace cos_exporter {

bool needs_what_it_holds(InputConfig const& next, InputConfig const& previous) {
  if (next.index() != previous.index()) return false;
  std::string holds = std::visit([](auto const& c) { return c.holds(); }, next);
  return !holds.empty() && holds == std::visit([](auto const& c) { return c.holds(); }, previous);
}

ReloadPlan plan_reload(std::vector<InputConfig> const& running,
                       std::vector<InputConfig> const& wanted, ContextChange changed) {
  ReloadPlan plan;
  std::vector<bool> kept(running.size(), false);
  std::vector<std::size_t> fresh;
  for (std::size_t to = 0; to < wanted.size(); ++to) {
    std::string identity = input_identity(wanted[to]);
    std::size_t from = 0;
    while (from < running.size() && (kept[from] || input_identity(running[from]) != identity))
      ++from;
    if (from == running.size()) {
      fresh.push_back(to);
      continue;
    }
    kept[from] = true;
    bool context = changed.max_line_bytes || (changed.state_file && records_positions(wanted[to]));
    plan.kept.push_back({from, to, context || !(running[from] == wanted[to])});
  }
  for (std::size_t from = 0; from < running.size(); ++from)
    if (!kept[from]) plan.removed.push_back(from);

  // Datagram inputs, then file inputs; within each, the rebound ones last.
  for (bool files : {false, true})
    for (bool rebound : {false, true})
      for (std::size_t to : fresh) {
        if (records_positions(wanted[to]) != files) continue;
        ReloadPlan::Start start{to, {}};
        for (std::size_t from : plan.removed)
          if (needs_what_it_holds(wanted[to], running[from])) start.after.push_back(from);
        if (start.after.empty() != rebound) plan.starts.push_back(std::move(start));
      }
  return plan;
}

}  // namespace cos_exporter
