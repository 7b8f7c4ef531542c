#include "cos_exporter/inputs/position_store.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/json_document.hpp"
#include "cos_exporter/common/json_string.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/common/regular_file.hpp"

namespace cos_exporter {
namespace {

std::string hex64(std::uint64_t value) {
  char buffer[17];
  auto [end, ec] = std::to_chars(buffer, buffer + 16, value, 16);
  std::string text(buffer, end);
  return std::string(16 - text.size(), '0') + text;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc{} || end != hex.data() + i + 2) return false;
    out += static_cast<char>(value);
  }
  return true;
}

bool parse_hex64(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc{} && end == text.data() + text.size();
}

// Reads one entry; the failure names a missing or mistyped field.
std::variant<FilePosition, ParseFailure> parse_entry(simdjson::dom::element element) {
  FilePosition out;
  simdjson::dom::object entry;
  if (element.get_object().get(entry)) return ParseFailure{"an entry is not an object"};
  std::string_view text;
  if (!entry["path"].get_string().get(text)) {
    out.path = std::string(text);
  } else if (!entry["path_hex"].get_string().get(text)) {
    if (!from_hex(text, out.path)) return ParseFailure{"invalid path_hex"};
  } else
    return ParseFailure{"an entry has no path"};
  std::uint64_t bytes = 0;
  if (entry["device"].get_uint64().get(out.device) || entry["inode"].get_uint64().get(out.inode) ||
      entry["offset"].get_uint64().get(out.offset) ||
      entry["fingerprint_bytes"].get_uint64().get(bytes) || bytes > kFingerprintBytes ||
      entry["fingerprint"].get_string().get(text))
    return ParseFailure{"entry for " + out.path + " lacks device, inode, offset or fingerprint"};
  out.fingerprint_bytes = static_cast<std::uint32_t>(bytes);
  if (!parse_hex64(text, out.fingerprint))
    return ParseFailure{"entry for " + out.path + " has an invalid fingerprint"};
  // Entries of older versions have no tail: they are matched by inode.
  if (entry["tail"].get_string().get(text) == simdjson::SUCCESS) {
    if (entry["tail_bytes"].get_uint64().get(bytes) || bytes > kTailBytes ||
        !parse_hex64(text, out.tail))
      return ParseFailure{"entry for " + out.path + " has an invalid tail"};
    out.tail_bytes = static_cast<std::uint32_t>(bytes);
  }
  auto settled = entry["settled_size"].get_uint64().get(out.settled_size);
  if (settled != simdjson::SUCCESS && settled != simdjson::NO_SUCH_FIELD)
    return ParseFailure{"entry for " + out.path + " has an invalid settled_size"};
  return out;
}

}  // namespace

PositionStore::PositionStore(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  auto status = std::filesystem::status(path_, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    unusable_ = true;
    log_error(
        "state_file is not a regular file; file positions are neither loaded nor saved "
        "(point state_file at a file and reload, or replace what is there and restart)",
        {{"component", "positions"}, {"path", path_}, {"is", file_type_name(status.type())}});
    return;
  }
  file_ = std::make_unique<StateFile>(path_);
  StateFile::Loaded loaded = file_->load();
  if (auto it = loaded.sections.find("positions"); it != loaded.sections.end()) {
    if (auto failure = load_section(it->second))
      log_warn("invalid positions in the state file; starting without saved positions",
               {{"component", "positions"}, {"path", path_}, {"error", failure->reason}});
  }
}

std::optional<ParseFailure> PositionStore::load_section(std::string_view text) {
  auto parsed = parse(text);
  if (auto* failure = std::get_if<ParseFailure>(&parsed)) return std::move(*failure);
  inputs_ = std::get<Entries>(std::move(parsed));
  return std::nullopt;
}

std::variant<PositionStore::Entries, ParseFailure> PositionStore::parse(std::string_view text) {
  JsonDocument json;
  if (auto failure = json.parse(text)) return std::move(*failure);
  simdjson::dom::object inputs;
  if (json.root().get_object().get(inputs)) return ParseFailure{"the positions are not an object"};
  Entries out;
  for (auto field : inputs) {
    simdjson::dom::array entries;
    if (field.value.get_array().get(entries))
      return ParseFailure{"input " + std::string(field.key) + " is not an array"};
    auto& list = out[std::string(field.key)];
    for (simdjson::dom::element element : entries) {
      auto entry = parse_entry(element);
      if (auto* failure = std::get_if<ParseFailure>(&entry)) return std::move(*failure);
      list.push_back(std::get<FilePosition>(std::move(entry)));
    }
  }
  return out;
}

std::string PositionStore::serialize() const {
  std::string out = "{";
  bool first_input = true;
  for (auto const& [name, entries] : inputs_) {
    if (!first_input) out += ',';
    first_input = false;
    out += '\n';
    append_json_string(out, name);
    out += ":[";
    bool first = true;
    for (auto const& entry : entries) {
      out += first ? "\n" : ",\n";
      first = false;
      // JSON strings hold UTF-8 only: another path is written as hex bytes.
      if (simdjson::validate_utf8(entry.path.data(), entry.path.size())) {
        out += "{\"path\":";
        append_json_string(out, entry.path);
      } else {
        out += "{\"path_hex\":\"" + to_hex(entry.path) + "\"";
      }
      out += ",\"device\":" + std::to_string(entry.device);
      out += ",\"inode\":" + std::to_string(entry.inode);
      out += ",\"offset\":" + std::to_string(entry.offset);
      out += ",\"fingerprint\":\"" + hex64(entry.fingerprint) + "\"";
      out += ",\"fingerprint_bytes\":" + std::to_string(entry.fingerprint_bytes);
      if (entry.tail_bytes > 0) {
        out += ",\"tail\":\"" + hex64(entry.tail) + "\"";
        out += ",\"tail_bytes\":" + std::to_string(entry.tail_bytes);
      }
      if (entry.settled_size > 0) out += ",\"settled_size\":" + std::to_string(entry.settled_size);
      out += "}";
    }
    out += "]";
  }
  out += "}";
  return out;
}

void PositionStore::record() {
  for (auto& [owner, record] : providers_) record();
}

bool PositionStore::save() {
  if (unusable_ || !file_) return false;  // said once, at start
  record();
  std::string text = serialize();
  if (text == last_written_) return true;
  if (auto failure = file_->write({{"positions", text}})) {
    log_error("cannot save file positions", {{"component", "positions"},
                                             {"path", path_},
                                             {"step", failure->step},
                                             {"error", errno_text(failure->error)}});
    return false;
  }
  last_written_ = std::move(text);
  return true;
}

std::vector<FilePosition> const& PositionStore::positions(std::string const& input) const {
  static std::vector<FilePosition> const kNone;
  auto it = inputs_.find(input);
  return it == inputs_.end() ? kNone : it->second;
}

void PositionStore::set_positions(std::string const& input, std::vector<FilePosition> positions) {
  inputs_[input] = std::move(positions);
}

void PositionStore::forget(std::string const& input) {
  inputs_.erase(input);
}

std::vector<std::string> PositionStore::inputs() const {
  std::vector<std::string> names;
  for (auto const& [name, entries] : inputs_) names.push_back(name);
  return names;
}

void PositionStore::add_provider(void const* owner, std::function<void()> record) {
  providers_.emplace_back(owner, std::move(record));
}

void PositionStore::remove_provider(void const* owner) {
  std::erase_if(providers_, [owner](auto const& p) { return p.first == owner; });
}

}  // namespace cos_exporter
