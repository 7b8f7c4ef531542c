#include "cos_exporter/common/yaml_reader.hpp"

#include <charconv>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/common/integer_text.hpp"
#include "cos_exporter/common/regular_file.hpp"
#include "cos_exporter/common/yaml_text.hpp"

namespace cos_exporter {
namespace {

// The parser's words name what it did not find; most such errors in a
// hand-written file come from its indentation, so the message says where to
// look. Errors about a scalar's content (an escape, a tag) get no hint.
std::string syntax_hint(std::string_view text, int error_line, std::string const& message) {
  // The first line up to the error's that is indented with a tab.
  int number = 0;
  for (std::size_t start = 0; start <= text.size() && number < error_line;) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = text.substr(start, end - start);
    std::size_t indent = line.find_first_not_of(" \t");
    if (line.substr(0, indent).find('\t') != std::string_view::npos)
      return " (hint: line " + std::to_string(number) +
             " is indented with a tab; YAML indents with spaces only)";
    start = end + 1;
  }
  auto is_one_of = [&](std::initializer_list<std::string_view> messages) {
    for (std::string_view m : messages)
      if (message.starts_with(m)) return true;
    return false;
  };
  if (is_one_of(
          {"end of map flow not found", "end of sequence flow not found", "illegal flow end"}))
    return " (hint: a [ or { above is not closed, or a line inside it is indented less than "
           "the key it belongs to)";
  if (is_one_of({"end of map not found", "end of sequence not found", "illegal block entry",
                 "illegal map key", "illegal map value", "illegal tab"}))
    return " (hint: check the indentation here and above: YAML nests by spaces, keys of one "
           "mapping start in the same column, and a list item's `-` sits under its key or "
           "further right)";
  return "";
}

}  // namespace

YAML::Node YamlReader::parse(std::string_view text) const {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return root;
  } catch (YAML::Exception const& e) {
    throw ConfigError(source_, e.mark.line + 1, e.mark.column + 1,
                      "invalid YAML: " + e.msg + syntax_hint(text, e.mark.line + 1, e.msg));
  }
}

void YamlReader::fail(YAML::Node const& node, std::string const& message) const {
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) throw ConfigError(source_ + ": " + message);
  throw ConfigError(source_, mark.line + 1, mark.column + 1, message);
}

void YamlReader::require_map(YAML::Node const& node, std::string_view what) const {
  if (!node.IsMap()) fail(node, std::string(what) + " must be a mapping");
}

void YamlReader::require_sequence(YAML::Node const& node, std::string_view what) const {
  if (!node.IsSequence()) fail(node, std::string(what) + " must be a list");
}

void YamlReader::check_keys(YAML::Node const& map, std::initializer_list<std::string_view> allowed,
                            std::string_view what) const {
  check_keys(map, std::span<std::string_view const>(allowed.begin(), allowed.size()), what);
}

void YamlReader::check_keys(YAML::Node const& map, std::span<std::string_view const> allowed,
                            std::string_view what) const {
  require_map(map, what);
  for (auto const& item : map) {
    if (!item.first.IsScalar())
      fail(item.first, "keys of " + std::string(what) + " must be strings");
    std::string const& key = item.first.Scalar();
    bool known = false;
    for (auto name : allowed) known = known || key == name;
    if (!known) {
      std::string list;
      for (auto name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
      fail(item.first,
           "unknown key \"" + key + "\" in " + std::string(what) + " (known: " + list + ")");
    }
  }
}

std::string YamlReader::string(YAML::Node const& node, std::string_view what) const {
  if (!node.IsScalar()) fail(node, std::string(what) + " must be a string");
  return node.Scalar();
}

std::string YamlReader::printable_text(YAML::Node const& node, std::string_view what) const {
  std::string value = string(node, what);
  if (auto bad = find_unprintable(value))
    fail(node, std::string(what) + " must be printable text: " + bad->describe() +
                   " of the value (Prometheus cannot load a rule file that carries it)");
  return value;
}

std::int64_t YamlReader::integer(YAML::Node const& node, std::string_view what) const {
  std::int64_t value = 0;
  if (!node.IsScalar() || !parse_integer(node.Scalar(), value))
    fail(node, std::string(what) + " must be an integer, got \"" +
                   (node.IsScalar() ? node.Scalar() : std::string("a non-scalar")) + "\"");
  return value;
}

std::uint64_t YamlReader::unsigned_integer(YAML::Node const& node, std::string_view what,
                                           std::uint64_t min, std::uint64_t max) const {
  std::uint64_t value = 0;
  std::string_view text = node.IsScalar() ? std::string_view(node.Scalar()) : std::string_view();
  if (!node.IsScalar() || !parse_integer(text, value))
    fail(node, std::string(what) + " must be a non-negative integer");
  if (value < min || value > max)
    fail(node, std::string(what) + " must be between " + std::to_string(min) + " and " +
                   std::to_string(max));
  return value;
}

double YamlReader::number(YAML::Node const& node, std::string_view what) const {
  double value = 0;
  std::string_view text = node.IsScalar() ? std::string_view(node.Scalar()) : std::string_view();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!node.IsScalar() || text.empty() || ec != std::errc() || end != text.data() + text.size())
    fail(node, std::string(what) + " must be a number");
  return value;
}

bool YamlReader::boolean(YAML::Node const& node, std::string_view what) const {
  if (node.IsScalar()) {
    if (node.Scalar() == "true") return true;
    if (node.Scalar() == "false") return false;
  }
  fail(node, std::string(what) + " must be true or false");
}

std::string read_text_file(std::string const& path) {
  auto read = read_regular_file(path);
  if (auto* failure = std::get_if<ReadFailure>(&read))
    throw ConfigError(path + ": cannot read: " + failure->reason);
  return std::get<std::string>(std::move(read));
}

}  // namespace cos_exporter
