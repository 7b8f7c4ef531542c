#include "cos_exporter/alerting/rules_generator.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "cos_exporter/config/alert_settings.hpp"
#include "cos_exporter/counting/metric_names.hpp"
#include "exporter_alerts.hpp"
#include "rule_yaml.hpp"
#include "top_sources.hpp"

namespace cos_exporter {

namespace {

// The window the dashboard and ad-hoc queries rely on, recorded in any case.
constexpr std::int64_t kDefaultWindowMs = 5 * 60 * 1000;

// A PromQL double-quoted string literal. Backticks are escaped too, so the
// literal can sit inside a Go template raw string in an annotation.
std::string promql_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '`':
        out += "\\x60";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

// Escapes every ASCII character that is not a word character, which RE2 (Go's
// regexp) then matches literally.
std::string regex_escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    bool word = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                u == '_' || u >= 0x80;
    if (!word) out += '\\';
    out += c;
  }
  return out;
}

// Text placed in a Go template (an annotation) must not open an action.
std::string template_text(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value.substr(i, 2) == "{{") {
      out += "{{ \"{{\" }}";
      ++i;
    } else {
      out += value[i];
    }
  }
  return out;
}

// One line: runs of whitespace (newlines included) become one space.
std::string one_line(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::int64_t duration_ms(std::string const& text) {
  return *parse_prometheus_duration_ms(text);
}

std::string rule_name(std::string_view level_metric, std::int64_t window_ms) {
  return std::string(level_metric) + ":rate" + format_prometheus_duration(window_ms);
}

std::string group_rate(std::int64_t window_ms) {
  return rule_name("cos:group_errors", window_ms);
}
std::string code_rate(std::int64_t window_ms) {
  return rule_name("cos:code_errors", window_ms);
}

// The groups label of cos_error_code_info lists a code's groups comma-joined.
std::string groups_regex(std::string const& group) {
  return "(.*,)?" + regex_escape(group) + "(,.*)?";
}

// What the rules aggregate over and what the descriptions show of it.
struct Aggregation {
  // The labels every recording rule sums away: those of exporter instances,
  // and those of sources, so that every exporter and source behind one
  // Prometheus reads as one service and an alert fires once per code or group.
  std::string without;
  std::vector<std::string> sources;  // the extra labels of the config, as shown

  std::string sum() const { return "sum without (" + without + ")"; }
};

// Only a series that Prometheus has seen for a whole baseline can spike: before
// that, rate() over the baseline extrapolates from a short stretch and comes
// out far below the real rate, so a flat line would look like a spike.
std::string with_history(Aggregation const& by, std::string_view counter_selector,
                         std::int64_t baseline_ms) {
  return by.sum() + " (" + std::string(counter_selector) + " offset " +
         format_prometheus_duration(baseline_ms) + ")";
}

// "rate > threshold and rate > factor x baseline rate and a baseline of history".
std::string spike_condition(Aggregation const& by, std::string const& current,
                            std::string const& baseline_rate, std::string const& counter_selector,
                            AlertConfig const& alert) {
  std::int64_t const baseline = duration_ms(alert.baseline);
  return current + " > " + format_prometheus_number(alert.rate) + "\nand\n" + current + " > " +
         format_prometheus_number(alert.spike_factor) + " * " + baseline_rate + "\nand\n" +
         with_history(by, counter_selector, baseline);
}

// Read by the code alerts: which codes spike now, at their window rate.
constexpr char kCodeSpiking[] = "cos:code_errors:spiking";

std::string code_spike_condition(Aggregation const& by, AlertConfig const& alert) {
  return spike_condition(by, code_rate(duration_ms(alert.window)),
                         code_rate(duration_ms(alert.baseline)), metric::kErrors, alert);
}

void emit_recording_rules(std::ostringstream& out, Aggregation const& by,
                          std::set<std::int64_t> const& group_windows,
                          std::set<std::int64_t> const& code_windows,
                          std::set<std::int64_t> const& event_windows,
                          std::optional<AlertConfig> const& code_alert) {
  std::string const sum = by.sum();
  std::string const sum_outcome = "sum without (" + by.without + ", outcome)";
  out << "  - name: cos_error_exporter.recording\n"
         "    rules:\n";
  if (!by.sources.empty()) {
    out << "      # The sources' labels are summed away with the instances': "
        << label_list(by.sources)
        << ".\n"
           "      # An alert fires once per group or code, however many sources; its\n"
           "      # description names the top sources.\n";
  }
  out << "      # Error rate of each alert group, summed across exporter instances.\n";
  for (std::int64_t w : group_windows) {
    out << "      - record: " << group_rate(w) << '\n';
    emit_expr(out,
              sum + " (rate(" + metric::kGroupErrors + "[" + format_prometheus_duration(w) + "]))");
  }
  out << "      # Error rate of each code (category, code, name), summed across exporter "
         "instances.\n";
  for (std::int64_t w : code_windows) {
    out << "      - record: " << code_rate(w) << '\n';
    emit_expr(out, sum + " (rate(" + metric::kErrors + "[" + format_prometheus_duration(w) + "]))");
  }
  if (code_alert) {
    out << "      # The codes that spike by the test of code_alert, at their rate; the\n"
           "      # CosErrorCodeSpike alerts of every group read it.\n"
           "      - record: "
        << kCodeSpiking << '\n';
    emit_expr(out, code_spike_condition(by, *code_alert));
  }
  out << "      # Valid events by outcome, and the share of them that are errors.\n";
  for (std::int64_t w : event_windows) {
    std::string const window = format_prometheus_duration(w);
    out << "      - record: " << rule_name("cos:events", w) << '\n';
    emit_expr(out, sum + " (rate(" + metric::kEvents + "[" + window + "]))");
    out << "      - record: " << rule_name("cos:error_ratio", w) << '\n';
    emit_expr(out, sum_outcome + " (rate(" + metric::kEvents + "{outcome=\"error\"}[" + window +
                       "]))\n/\n" + sum_outcome + " (rate(" + metric::kEvents + "[" + window +
                       "]))");
  }
}

AlertRule group_alert(Aggregation const& by, GroupConfig const& group,
                      std::string const& runbook_url) {
  AlertConfig const& alert = *group.alert;
  std::int64_t const window = duration_ms(alert.window);
  std::int64_t const baseline = duration_ms(alert.baseline);
  std::string const selector = "{group=" + promql_string(group.name) + "}";

  AlertRule rule;
  rule.name = "CosErrorGroupSpike";
  rule.expr = spike_condition(by, group_rate(window) + selector, group_rate(baseline) + selector,
                              metric::kGroupErrors + selector, alert);
  rule.for_ms = duration_ms(alert.for_duration);
  rule.labels = {{"severity", alert.severity}, {"group", group.name}};
  rule.summary = "COS errors of group " + template_text(group.name) +
                 " are spiking: {{ $value | humanize }}/s";

  std::string const top_codes =
      "topk(3, sum by (code, name) (" + code_rate(window) +
      " * on (category, code, name) group_left () max by (category, code, name) (" +
      metric::kCodeInfo + "{groups=~" + promql_string(groups_regex(group.name)) + "})) > 0)";
  rule.description = "COS errors of group " + template_text(group.name);
  if (std::string const what = one_line(group.description); !what.empty()) {
    rule.description += " (" + template_text(what) + ")";
  }
  rule.description += " are at {{ $value | humanize }}/s over " +
                      format_prometheus_duration(window) + ", above " +
                      format_prometheus_number(alert.rate) + "/s and more than " +
                      format_prometheus_number(alert.spike_factor) +
                      " times the rate over the last " + format_prometheus_duration(baseline) +
                      ".\nTop codes: {{ range $i, $s := query `" + top_codes +
                      "` }}{{ if $i }}, {{ end }}{{ $s.Labels.code }} {{ $s.Labels.name }} "
                      "({{ $s.Value | humanize }}/s){{ end }}";
  if (!by.sources.empty()) {
    std::string const query = top_sources_query(by.sources, metric::kGroupErrors, selector,
                                                format_prometheus_duration(window));
    rule.description += "\n" + top_sources_line(by.sources, "`" + query + "`");
  }
  rule.runbook_url = runbook_link(runbook_url, "group-" + group.name);
  return rule;
}

// One CosErrorCodeSpike per group, labelled with it, so that Alertmanager
// routes a code's spike by group and its group's own alert can inhibit it; one
// more for codes in no group. A code in two groups alerts in both.
std::vector<AlertRule> code_alerts(Aggregation const& by, Config const& config) {
  AlertConfig const& alert = *config.code_alert;
  std::int64_t const window = duration_ms(alert.window);
  std::int64_t const baseline = duration_ms(alert.baseline);

  AlertRule rule;
  rule.name = "CosErrorCodeSpike";
  rule.for_ms = duration_ms(alert.for_duration);
  rule.summary =
      "COS error code {{ $labels.code }} {{ $labels.name }} is spiking: {{ $value | humanize }}/s";
  rule.description =
      "COS error code {{ $labels.code }} {{ $labels.name }} (category {{ $labels.category }}) is "
      "at {{ $value | humanize }}/s over " +
      format_prometheus_duration(window) + ", above " + format_prometheus_number(alert.rate) +
      "/s and more than " + format_prometheus_number(alert.spike_factor) +
      " times its rate over the last " + format_prometheus_duration(baseline) +
      ".\n{{ with query (printf `max by (groups) (" + metric::kCodeInfo +
      "{code=%q, name=%q})` $labels.code $labels.name) }}Groups: {{ . | first | label \"groups\" }}"
      "{{ end }}";
  if (!by.sources.empty()) {
    std::string const query =
        top_sources_query(by.sources, metric::kErrors, "{category=%q, code=%q, name=%q}",
                          format_prometheus_duration(window));
    rule.description += "\n" + top_sources_line(by.sources, "(printf `" + query +
                                                                "` $labels.category "
                                                                "$labels.code $labels.name)");
  }

  std::vector<AlertRule> rules;
  for (GroupConfig const& group : config.groups) {
    rule.expr = std::string(kCodeSpiking) + "\nand on (category, code, name)\n" +
                metric::kCodeInfo + "{groups=~" + promql_string(groups_regex(group.name)) + "}";
    rule.labels = {{"severity", alert.severity}, {"group", group.name}};
    rule.runbook_url = runbook_link(config.runbook_url, "group-" + group.name);
    rules.push_back(rule);
  }
  rule.expr = std::string(kCodeSpiking) + "\nunless on (category, code, name)\n" +
              metric::kCodeInfo + "{groups!=\"\"}";
  rule.labels = {{"severity", alert.severity}};
  rule.runbook_url = runbook_link(config.runbook_url, "code-spike");
  rules.push_back(std::move(rule));
  return rules;
}

}  // namespace

std::string generate_rules(Config const& config) {
  std::set<std::int64_t> group_windows{kDefaultWindowMs};
  std::set<std::int64_t> code_windows{kDefaultWindowMs};
  std::set<std::int64_t> event_windows{kDefaultWindowMs};
  for (GroupConfig const& group : config.groups) {
    if (!group.alert) continue;
    if (auto problem = alert_config_problem(*group.alert)) {
      throw RulesError("group \"" + group.name + "\": alert: " + *problem);
    }
    std::int64_t const window = duration_ms(group.alert->window);
    group_windows.insert(window);
    group_windows.insert(duration_ms(group.alert->baseline));
    code_windows.insert(window);  // the top codes of the group's alert
    event_windows.insert(window);
  }
  if (config.code_alert) {
    if (auto problem = alert_config_problem(*config.code_alert)) {
      throw RulesError("code_alert: " + *problem);
    }
    code_windows.insert(duration_ms(config.code_alert->window));
    code_windows.insert(duration_ms(config.code_alert->baseline));
    event_windows.insert(duration_ms(config.code_alert->window));
  }

  Aggregation by;
  by.sources = source_label_names(config);
  by.without = summed_away_labels(by.sources);

  std::ostringstream out;
  out << "# Prometheus rules for cos_error_exporter, printed by `cos_error_exporter rules` from "
         "the\n"
         "# groups' `alert:` and the `code_alert:` settings of its config, and the alerts on the\n"
         "# exporter itself. Regenerate them after changing those settings rather than editing\n"
         "# this file.\n"
         "groups:\n";
  emit_recording_rules(out, by, group_windows, code_windows, event_windows, config.code_alert);

  bool const any_alert =
      config.code_alert.has_value() ||
      std::any_of(config.groups.begin(), config.groups.end(),
                  [](GroupConfig const& group) { return group.alert.has_value(); });
  if (any_alert) {
    out << "  - name: cos_error_exporter.alerts\n"
           "    rules:\n";
    for (GroupConfig const& group : config.groups) {
      if (group.alert) emit_alert(out, group_alert(by, group, config.runbook_url));
    }
    if (config.code_alert) {
      for (AlertRule const& rule : code_alerts(by, config)) emit_alert(out, rule);
    }
  }
  out << "  - name: cos_error_exporter.self\n"
         "    rules:\n";
  for (AlertRule const& rule : exporter_alert_rules(config.runbook_url)) emit_alert(out, rule);
  return out.str();
}

}  // namespace cos_exporter
