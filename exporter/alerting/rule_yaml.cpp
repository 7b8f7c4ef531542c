#include "rule_yaml.hpp"

#include <set>

#include "cos_exporter/common/yaml_text.hpp"
#include "cos_exporter/config/alert_settings.hpp"

namespace cos_exporter {

std::string yaml_scalar(std::string_view value) {
  static std::set<std::string_view> const reserved{
      "true", "false", "yes",  "no",  "on",   "off",  "null",  "True", "False",
      "Yes",  "No",    "On",   "Off", "Null", "TRUE", "FALSE", "YES",  "NO",
      "ON",   "OFF",   "NULL", "y",   "n",    "Y",    "N"};
  bool plain = !value.empty() && !reserved.contains(value) &&
               ((value[0] >= 'a' && value[0] <= 'z') || (value[0] >= 'A' && value[0] <= 'Z'));
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (!((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' ||
          u == '-' || u == '.' || u == '/')) {
      plain = false;
    }
  }
  if (plain) return std::string(value);
  return yaml_double_quoted(value);
}

void emit_block(std::ostringstream& out, std::string_view key, std::string_view text, int indent) {
  if (find_unprintable(text)) {
    out << key << ": " << yaml_double_quoted(text) << '\n';
    return;
  }
  std::string const pad(static_cast<std::size_t>(indent), ' ');
  out << key << ": |-\n";
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out << pad << text.substr(start, end - start) << '\n';
    start = end + 1;
  }
}

void emit_expr(std::ostringstream& out, std::string_view expr) {
  // PromQL may hold what ends or comments a plain scalar (": ", " #") or starts
  // a flow collection ("{"); a block takes any text.
  bool const plain = expr.find('\n') == std::string_view::npos &&
                     expr.find(": ") == std::string_view::npos &&
                     expr.find(" #") == std::string_view::npos && !expr.empty() &&
                     expr.front() != '{' && expr.front() != '"' && !find_unprintable(expr);
  if (plain) {
    out << "        expr: " << expr << '\n';
  } else {
    out << "        ";
    emit_block(out, "expr", expr, 10);
  }
}

void emit_alert(std::ostringstream& out, AlertRule const& rule) {
  out << "      - alert: " << rule.name << '\n';
  emit_expr(out, rule.expr);
  if (rule.for_ms > 0) out << "        for: " << format_prometheus_duration(rule.for_ms) << '\n';
  out << "        labels:\n";
  for (auto const& [name, value] : rule.labels) {
    out << "          " << name << ": " << yaml_scalar(value) << '\n';
  }
  out << "        annotations:\n"
      << "          summary: " << yaml_scalar(rule.summary) << '\n'
      << "          ";
  emit_block(out, "description", rule.description, 12);
  if (!rule.runbook_url.empty()) {
    out << "          runbook_url: " << yaml_scalar(rule.runbook_url) << '\n';
  }
}

}  // namespace cos_exporter
