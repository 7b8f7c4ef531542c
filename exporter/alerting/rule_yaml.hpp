#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cos_exporter {

// One Prometheus alerting rule, as the rule file writes it.
struct AlertRule {
  std::string name;
  std::string expr;  // PromQL, one line or several
  std::int64_t for_ms = 0;
  std::vector<std::pair<std::string, std::string>> labels;  // in this order
  std::string summary;                                      // a Go template
  std::string description;                                  // a Go template, lines joined by '\n'
  std::string runbook_url;                                  // empty: none
};

// A YAML scalar: plain when that is unambiguous, else double-quoted with every
// character Prometheus' YAML reader refuses escaped.
std::string yaml_scalar(std::string_view value);

// `key: |-` and the lines of `text`, each indented by `indent` spaces; a
// double-quoted scalar instead when `text` holds what a block cannot carry.
void emit_block(std::ostringstream& out, std::string_view key, std::string_view text, int indent);

// `expr:` of a rule in a rule group's list: plain for one line of PromQL, a
// block for several or for a line YAML would not take plain.
void emit_expr(std::ostringstream& out, std::string_view expr);

// `- alert: ...` as an item of a rule group's `rules:` list.
void emit_alert(std::ostringstream& out, AlertRule const& rule);

}  // namespace cos_exporter
