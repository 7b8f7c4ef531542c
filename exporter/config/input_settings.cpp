#include "cos_exporter/config/input_settings.hpp"

#include "cos_exporter/config/listen_address.hpp"

namespace cos_exporter {

std::string InputReader::non_empty_string(YAML::Node const& node, std::string_view what) const {
  std::string value = yaml.string(node, what);
  if (value.empty()) yaml.fail(node, std::string(what) + " must not be empty");
  return value;
}

std::vector<Cidr> InputReader::cidrs(YAML::Node const& node, std::string_view what) const {
  yaml.require_sequence(node, what);
  std::vector<Cidr> list;
  for (auto const& item : node) {
    std::string text = yaml.string(item, std::string(what) + " entry");
    auto cidr = Cidr::parse(text);
    if (!cidr) yaml.fail(item, "invalid CIDR \"" + text + "\" (want e.g. 10.0.0.0/8 or ::1/128)");
    list.push_back(*cidr);
  }
  return list;
}

std::string InputReader::listen_address(YAML::Node const& node) const {
  std::string text = yaml.string(node, "listen");
  if (!parse_listen_address(text))
    yaml.fail(node,
              "invalid listen address \"" + text + "\" (want host:port, [v6-host]:port or :port)");
  return text;
}

void check_glob(YamlReader const& yaml, YAML::Node const& node, std::string const& glob,
                bool allow_classes) {
  bool in_class = false;
  for (char c : glob) {
    if (c == '\\')
      yaml.fail(node, "invalid glob \"" + glob + "\": backslash escapes are not supported");
    if ((c == '[' || c == ']') && !allow_classes)
      yaml.fail(node, "invalid glob \"" + glob + "\": only * and ? are supported in name globs");
    if (c == '[') {
      if (in_class) yaml.fail(node, "invalid glob \"" + glob + "\": nested [");
      in_class = true;
    } else if (c == ']') {
      if (!in_class) yaml.fail(node, "invalid glob \"" + glob + "\": ] without [");
      in_class = false;
    }
  }
  if (in_class) yaml.fail(node, "invalid glob \"" + glob + "\": [ is never closed");
}

std::string fixed_port_of(std::string const& listen) {
  auto address = parse_listen_address(listen);
  if (!address || address->port == 0) return {};
  return std::to_string(address->port);
}

}  // namespace cos_exporter
