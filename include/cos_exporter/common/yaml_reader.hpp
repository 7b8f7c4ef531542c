#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace cos_exporter {

// Reads YAML strictly and turns every problem into a ConfigError that names
// source:line:column of the offending node.
class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  YAML::Node parse(std::string_view text) const;

  [[noreturn]] void fail(YAML::Node const& node, std::string const& message) const;

  void require_map(YAML::Node const& node, std::string_view what) const;
  void require_sequence(YAML::Node const& node, std::string_view what) const;
  // Fails on any key not in `allowed`, naming the key's position.
  void check_keys(YAML::Node const& map, std::initializer_list<std::string_view> allowed,
                  std::string_view what) const;
  void check_keys(YAML::Node const& map, std::span<std::string_view const> allowed,
                  std::string_view what) const;

  std::string string(YAML::Node const& node, std::string_view what) const;
  // A string that goes into generated YAML (a rule file): fails on a control
  // character or invalid UTF-8, which Prometheus' YAML reader refuses.
  std::string printable_text(YAML::Node const& node, std::string_view what) const;
  std::int64_t integer(YAML::Node const& node, std::string_view what) const;
  std::uint64_t unsigned_integer(YAML::Node const& node, std::string_view what, std::uint64_t min,
                                 std::uint64_t max) const;
  double number(YAML::Node const& node, std::string_view what) const;
  bool boolean(YAML::Node const& node, std::string_view what) const;

  std::string const& source() const { return source_; }

 private:
  std::string source_;
};

// Reads a whole regular file (read_regular_file: no FIFOs or devices, at most
// kMaxReadFileBytes); throws ConfigError("PATH: cannot read: REASON").
std::string read_text_file(std::string const& path);

}  // namespace cos_exporter
