#include "cos_exporter/config/config.hpp"

#include <re2/re2.h>

#include <set>

#include "cos_exporter/classification/catalog_yaml.hpp"
#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/common/regular_file.hpp"
#include "cos_exporter/common/yaml_reader.hpp"
#include "cos_exporter/config/alert_settings.hpp"
#include "cos_exporter/config/label_settings.hpp"
#include "cos_exporter/config/listen_address.hpp"
#include "cos_exporter/embedded.hpp"
#include "cos_exporter/parsing/line_parser.hpp"

namespace cos_exporter {
namespace {

// Reads one config document into `config`, replacing only what the document
// sets: keys it leaves out keep the built-in defaults.
class ConfigReader {
 public:
  explicit ConfigReader(std::string const& source) : yaml_(source) {}

  void read(std::string_view text, Config& config) {
    YAML::Node root = yaml_.parse(text);
    check_duplicate_keys(root);
    yaml_.check_keys(root,
                     {"inputs", "state_file", "catalog", "groups", "code_alert", "runbook_url",
                      "limits", "exemplar_fields", "event_labels"},
                     "the config");
    if (auto limits = root["limits"]) read_limits(limits, config.limits);
    if (auto labels = root["event_labels"]) config.event_labels = read_event_labels(yaml_, labels);
    for (auto const& label : config.event_labels) extra_label_names_.insert(label.name);
    if (auto inputs = root["inputs"]) read_inputs(inputs, config);
    if (auto state = root["state_file"]) config.state_file = non_empty_string(state, "state_file");
    if (auto catalog = root["catalog"]) read_catalog(catalog, config);
    if (auto groups = root["groups"]) read_groups(groups, config);
    if (auto alert = root["code_alert"]) read_code_alert(alert, config);
    if (auto url = root["runbook_url"])
      config.runbook_url = non_empty_printable(url, "runbook_url");
    if (auto fields = root["exemplar_fields"])
      config.exemplar_fields = read_exemplar_fields(yaml_, fields);
    if (extra_label_names(config).size() > kMaxExtraLabels)
      yaml_.fail(root, "at most " + std::to_string(kMaxExtraLabels) +
                           " extra label names in all (labels, event_labels, path_labels)");
  }

 private:
  // yaml-cpp keeps both entries of a repeated key; a strict config says no.
  void check_duplicate_keys(YAML::Node const& node) {
    if (node.IsMap()) {
      std::set<std::string> seen;
      for (auto const& item : node) {
        if (item.first.IsScalar() && !seen.insert(item.first.Scalar()).second)
          yaml_.fail(item.first, "duplicate key \"" + item.first.Scalar() + "\"");
        check_duplicate_keys(item.second);
      }
    } else if (node.IsSequence()) {
      for (auto const& item : node) check_duplicate_keys(item);
    }
  }

  std::string non_empty_string(YAML::Node const& node, std::string_view what) {
    std::string value = yaml_.string(node, what);
    if (value.empty()) yaml_.fail(node, std::string(what) + " must not be empty");
    return value;
  }

  void read_limits(YAML::Node const& node, Limits& limits) {
    yaml_.check_keys(
        node, {"max_unknown_codes", "max_line_bytes", "max_label_values", "max_series"}, "limits");
    if (auto n = node["max_label_values"])
      limits.max_label_values =
          static_cast<std::uint32_t>(yaml_.unsigned_integer(n, "max_label_values", 1, 100000));
    if (auto n = node["max_series"])
      limits.max_series = yaml_.unsigned_integer(n, "max_series", 0, 10000000);
    if (auto n = node["max_unknown_codes"])
      limits.max_unknown_codes =
          static_cast<std::uint32_t>(yaml_.unsigned_integer(n, "max_unknown_codes", 0, 100000));
    if (auto n = node["max_line_bytes"])
      limits.max_line_bytes =
          static_cast<std::uint32_t>(yaml_.unsigned_integer(n, "max_line_bytes", 64, 1 << 24));
  }

  EventFormat read_format(YAML::Node const& node) {
    std::string text = yaml_.string(node, "format");
    auto format = parse_event_format(text);
    if (!format)
      yaml_.fail(node, "unknown format \"" + text + "\" (known: auto, json, logfmt, regex)");
    return *format;
  }

  // The keys every kind takes: name (the `input` label, unique across all
  // inputs), format, regex, envelope, sdk and labels.
  void read_input_common(YAML::Node const& node, InputSettings& input) {
    if (auto n = node["name"]) input.name = yaml_.string(n, "name");
    claim_input_name(node["name"] ? node["name"] : node, input.name);
    if (auto f = node["format"]) input.format = read_format(f);
    if (auto e = node["envelope"]) {
      std::string text = yaml_.string(e, "envelope");
      auto envelope = parse_envelope(text);
      if (!envelope)
        yaml_.fail(e, "unknown envelope \"" + text + "\" (known: auto, none, cri, docker, syslog)");
      input.envelope = *envelope;
    }
    if (auto n = node["sdk"]) {
      std::string text = yaml_.string(n, "sdk");
      auto sdk = parse_sdk_dialect(text);
      if (!sdk)
        yaml_.fail(
            n, "unknown sdk \"" + text + "\" (known: document, java, python, php, cpp, nodejs)");
      input.sdk = *sdk;
    }
    if (auto r = node["regex"]) {
      input.regex = yaml_.string(r, "regex");
      std::string problem = LineParser::check_regex(input.regex);
      if (!problem.empty()) yaml_.fail(r, "invalid regex: " + problem);
    }
    if (input.format == EventFormat::regex && input.regex.empty())
      yaml_.fail(node, "input \"" + input.name + "\" has format: regex but no regex");
    if (auto n = node["labels"]) input.labels = read_static_labels(yaml_, n, extra_label_names_);
  }

  void claim_input_name(YAML::Node const& node, std::string const& name) {
    if (name.empty()) yaml_.fail(node, "input name must not be empty");
    if (!input_names_.insert(name).second)
      yaml_.fail(node, "duplicate input name \"" + name +
                           "\": every input needs its own name (it is the `input` label)");
  }

  // inputs: one list per kind (udp, unixgram, files, ...), each item the
  // common keys plus the kind's own.
  void read_inputs(YAML::Node const& node, Config& config) {
    std::vector<std::string_view> kinds;
    for_each_input_kind([&]<typename Kind>(Kind*) { kinds.push_back(Kind::kKey); });
    yaml_.check_keys(node, kinds, "inputs");
    config.inputs.clear();
    for_each_input_kind([&]<typename Kind>(Kind*) {
      if (auto list = node[std::string(Kind::kKey)]) read_kind<Kind>(list, config.inputs);
    });
  }

  template <typename Kind>
  void read_kind(YAML::Node const& list, std::vector<InputConfig>& inputs) {
    yaml_.require_sequence(list, "inputs." + std::string(Kind::kKey));
    std::vector<std::string_view> keys(std::begin(kInputSettingsKeys),
                                       std::end(kInputSettingsKeys));
    keys.insert(keys.end(), std::begin(Kind::kKeys), std::end(Kind::kKeys));
    InputReader const reader{yaml_, extra_label_names_};
    for (auto const& item : list) {
      Kind input;
      yaml_.check_keys(item, keys, "a " + input.name + " input");
      read_input_common(item, input);
      read_input_settings(reader, item, input);
      inputs.emplace_back(std::move(input));
    }
  }

  void read_catalog(YAML::Node const& node, Config& config) {
    yaml_.check_keys(node, {"file", "extra"}, "catalog");
    if (auto n = node["file"]) {
      config.catalog_file = non_empty_string(n, "catalog.file");
      // Checked here so that a missing file is reported where it is named.
      if (auto problem = regular_file_problem(*config.catalog_file))
        yaml_.fail(
            n, "catalog.file \"" + *config.catalog_file + "\" cannot be read: " + problem->reason);
    }
    if (auto list = node["extra"]) {
      yaml_.require_sequence(list, "catalog.extra");
      config.catalog_extra.clear();
      std::set<std::pair<std::int64_t, std::string>> seen;
      for (auto const& item : list) {
        CatalogEntry entry = read_catalog_entry(yaml_, item);
        if (!seen.emplace(entry.code, entry.name).second)
          yaml_.fail(item, "duplicate catalog.extra entry: code " + std::to_string(entry.code) +
                               " with name " + entry.name);
        config.catalog_extra.push_back(std::move(entry));
      }
    }
  }

  void check_duration(YAML::Node const& node, std::string const& text, std::string_view what) {
    if (!parse_prometheus_duration_ms(text))
      yaml_.fail(node, std::string(what) +
                           " must be a Prometheus duration like 5m or 1h30m, got \"" + text + "\"");
  }

  std::string non_empty_printable(YAML::Node const& node, std::string_view what) {
    std::string value = yaml_.printable_text(node, what);
    if (value.empty()) yaml_.fail(node, std::string(what) + " must not be empty");
    return value;
  }

  // `code_alert: off` (or false, or null) switches the per-code alert off.
  void read_code_alert(YAML::Node const& node, Config& config) {
    bool const off =
        node.IsNull() || (node.IsScalar() && (node.Scalar() == "off" || node.Scalar() == "false"));
    if (off) {
      config.code_alert.reset();
    } else {
      config.code_alert = read_alert(node, "code_alert");
    }
  }

  AlertConfig read_alert(YAML::Node const& node, std::string_view what) {
    yaml_.check_keys(node, {"rate", "window", "spike_factor", "baseline", "for", "severity"}, what);
    AlertConfig alert;
    if (auto n = node["rate"]) alert.rate = yaml_.number(n, "rate");
    if (alert.rate < 0) yaml_.fail(node["rate"], "rate must not be negative");
    if (auto n = node["spike_factor"]) alert.spike_factor = yaml_.number(n, "spike_factor");
    if (alert.spike_factor < 1) yaml_.fail(node["spike_factor"], "spike_factor must be at least 1");
    struct DurationKey {
      char const* key;
      std::string* value;
    };
    for (auto [key, value] :
         {DurationKey{"window", &alert.window}, DurationKey{"baseline", &alert.baseline},
          DurationKey{"for", &alert.for_duration}}) {
      if (auto n = node[key]) {
        *value = yaml_.string(n, key);
        check_duration(n, *value, key);
      }
    }
    if (auto n = node["severity"]) alert.severity = non_empty_printable(n, "severity");
    if (auto problem = alert_config_problem(alert)) yaml_.fail(node, *problem);
    return alert;
  }

  void read_groups(YAML::Node const& node, Config& config) {
    if (node.IsNull()) {
      config.groups.clear();
      return;
    }
    yaml_.require_map(node, "groups");
    if (node.size() > kMaxGroups)
      yaml_.fail(node, "at most " + std::to_string(kMaxGroups) + " groups are supported");
    config.groups.clear();
    static RE2 const kGroupName("[A-Za-z_][A-Za-z0-9_]*");
    for (auto const& item : node) {
      GroupConfig group;
      group.name = yaml_.string(item.first, "group name");
      if (!RE2::FullMatch(group.name, kGroupName))
        yaml_.fail(item.first,
                   "group name \"" + group.name + "\" must be letters, digits and underscores");
      YAML::Node const& body = item.second;
      yaml_.check_keys(body, {"description", "codes", "names", "categories", "alert"},
                       "group " + group.name);
      if (auto n = body["description"]) group.description = yaml_.printable_text(n, "description");
      if (auto list = body["codes"]) {
        yaml_.require_sequence(list, "codes");
        for (auto const& code : list) group.codes.push_back(yaml_.integer(code, "code"));
      }
      if (auto list = body["names"]) {
        yaml_.require_sequence(list, "names");
        for (auto const& glob : list) {
          group.names.push_back(non_empty_string(glob, "name glob"));
          check_glob(yaml_, glob, group.names.back(), false);
        }
      }
      if (auto list = body["categories"]) {
        yaml_.require_sequence(list, "categories");
        for (auto const& label : list) {
          std::string text = yaml_.string(label, "category");
          auto category =
              text == "unknown" ? std::optional(Category::unknown) : parse_category(text);
          if (!category) yaml_.fail(label, "unknown category \"" + text + "\"");
          group.categories.push_back(*category);
        }
      }
      if (auto alert = body["alert"])
        group.alert = read_alert(alert, "alert of group " + group.name);
      config.groups.push_back(std::move(group));
    }
  }

  YamlReader yaml_;
  std::set<std::string> input_names_;
  std::set<std::string> extra_label_names_;  // of event labels
};

}  // namespace

Config builtin_config() {
  Config config;
  config.source = "<built-in exporter.yaml>";
  ConfigReader(config.source).read(embedded::builtin_config_yaml(), config);
  return config;
}

Config parse_config(std::string_view yaml_text, std::string const& source_name) {
  Config config = builtin_config();
  config.source = source_name;
  ConfigReader(source_name).read(yaml_text, config);
  return config;
}

Config load_config_file(std::string const& path) {
  return parse_config(read_text_file(path), path);
}

Catalog load_catalog_for(Config const& config) {
  Catalog catalog =
      config.catalog_file ? Catalog::load_file(*config.catalog_file) : Catalog::builtin();
  for (auto const& entry : config.catalog_extra) catalog.add_or_replace(entry);
  return catalog;
}

}  // namespace cos_exporter
