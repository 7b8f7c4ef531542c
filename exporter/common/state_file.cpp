#include "cos_exporter/common/state_file.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/json_document.hpp"
#include "cos_exporter/common/json_string.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/common/regular_file.hpp"

namespace cos_exporter {
namespace {

// The content of `path`; nullopt when there is no such file.
std::variant<std::optional<std::string>, ReadFailure> read_if_present(std::string const& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::nullopt;
  auto read = read_regular_file(path);
  if (auto* failure = std::get_if<ReadFailure>(&read)) return std::move(*failure);
  return std::get<std::string>(std::move(read));
}

}  // namespace

char const* StateFile::name(Outcome outcome) {
  switch (outcome) {
    case Outcome::restored:
      return "restored";
    case Outcome::restored_tmp:
      return "restored_tmp";
    case Outcome::upgraded_v1:
      return "upgraded_v1";
    case Outcome::fresh_missing:
      return "fresh_missing";
    case Outcome::fresh_unreadable:
      return "fresh_unreadable";
    case Outcome::fresh_invalid:
      return "fresh_invalid";
    case Outcome::fresh_newer_version:
      return "fresh_newer_version";
  }
  return "unknown";
}

std::variant<StateFile::Loaded, StateFile::Rejected> StateFile::parse(std::string_view text) {
  JsonDocument json;
  if (auto failure = json.parse(text)) return Rejected{Outcome::fresh_invalid, failure->reason};
  simdjson::dom::element document = json.root();
  std::uint64_t version = 0;
  if (document["version"].get_uint64().get(version) || version == 0)
    return Rejected{Outcome::fresh_invalid, "no version"};
  if (version > kVersion)
    return Rejected{Outcome::fresh_newer_version, "version " + std::to_string(version) +
                                                      " is newer than this exporter's " +
                                                      std::to_string(kVersion)};
  Loaded out;
  out.version = version;
  out.outcome = version == 1 ? Outcome::upgraded_v1 : Outcome::restored;
  if (version == 1) {
    simdjson::dom::object inputs;
    if (document["inputs"].get_object().get(inputs))
      return Rejected{Outcome::fresh_invalid, "a version-1 file without an inputs object"};
    out.sections["positions"] = simdjson::minify(inputs);
    return out;
  }
  simdjson::dom::object sections;
  if (document["sequence"].get_uint64().get(out.sequence) ||
      document["sections"].get_object().get(sections))
    return Rejected{Outcome::fresh_invalid, "no sequence or sections"};
  for (auto field : sections) out.sections[std::string(field.key)] = simdjson::minify(field.value);
  return out;
}

StateFile::Loaded StateFile::load() {
  Loaded main;
  auto read = read_if_present(path_);
  if (auto* failure = std::get_if<ReadFailure>(&read)) {
    main.outcome = Outcome::fresh_unreadable;
    main.detail = failure->reason;
  } else if (auto const& text = std::get<std::optional<std::string>>(read)) {
    auto parsed = parse(*text);
    if (auto* rejected = std::get_if<Rejected>(&parsed)) {
      main.outcome = rejected->outcome;
      main.detail = rejected->reason;
    } else {
      main = std::get<Loaded>(std::move(parsed));
    }
  }

  // A tmp file: an interrupted write. Complete and newer: the crash came after
  // its fsync, so it is the latest state.
  std::string const tmp = path_ + ".tmp";
  auto tmp_read = read_if_present(tmp);
  auto const* tmp_text = std::get_if<std::optional<std::string>>(&tmp_read);
  if (!tmp_text || *tmp_text) {  // a tmp file is there, readable or not
    main.tmp_left = true;
    std::optional<Loaded> tmp_state;
    if (tmp_text && !(*tmp_text)->empty()) {
      auto parsed = parse(**tmp_text);
      if (auto* loaded = std::get_if<Loaded>(&parsed)) tmp_state = std::move(*loaded);
    }
    if (tmp_state && (StateFile::fresh(main.outcome) || tmp_state->sequence > main.sequence)) {
      Loaded from_tmp = std::move(*tmp_state);
      from_tmp.outcome = Outcome::restored_tmp;
      from_tmp.tmp_left = true;
      from_tmp.detail = main.detail;
      if (main.outcome == Outcome::fresh_invalid || main.outcome == Outcome::fresh_newer_version) {
        std::error_code ec;
        std::filesystem::rename(path_, path_ + ".bad", ec);
      }
      std::error_code ec;
      std::filesystem::rename(tmp, path_, ec);
      sequence_ = from_tmp.sequence;
      log_warn("state file: a write was interrupted after it completed; restored from its tmp file",
               {{"component", "state"},
                {"path", path_},
                {"tmp", tmp},
                {"sequence", std::to_string(from_tmp.sequence)}});
      return from_tmp;
    }
    ::unlink(tmp.c_str());
  }

  sequence_ = main.sequence;
  std::string const tmp_note =
      main.tmp_left ? "; an incomplete tmp file of an interrupted write was removed" : "";
  switch (main.outcome) {
    case Outcome::restored:
      log_info(
          "state restored from the state file" + tmp_note,
          {{"component", "state"}, {"path", path_}, {"sequence", std::to_string(main.sequence)}});
      break;
    case Outcome::upgraded_v1:
      log_info(
          "state file of version 1 read: file positions kept, counters start at zero" + tmp_note,
          {{"component", "state"}, {"path", path_}});
      break;
    case Outcome::fresh_missing:
      log_info("no state file yet; starting fresh" + tmp_note,
               {{"component", "state"}, {"path", path_}});
      break;
    case Outcome::fresh_unreadable:
      log_error("cannot read the state file; starting fresh, it will be overwritten" + tmp_note,
                {{"component", "state"}, {"path", path_}, {"error", main.detail}});
      break;
    case Outcome::fresh_invalid:
    case Outcome::fresh_newer_version: {
      std::error_code ec;
      std::filesystem::rename(path_, path_ + ".bad", ec);
      log_error(std::string(main.outcome == Outcome::fresh_invalid
                                ? "invalid state file"
                                : "state file of a newer exporter version") +
                    "; starting fresh (counters at zero, files from start_at), the file is kept "
                    "as " +
                    path_ + ".bad" + tmp_note,
                {{"component", "state"}, {"path", path_}, {"error", main.detail}});
      break;
    }
    case Outcome::restored_tmp:
      break;
  }
  return main;
}

std::string StateFile::render(std::map<std::string, std::string> const& sections,
                              std::uint64_t sequence) const {
  std::size_t size = 64;
  for (auto const& [name, text] : sections) size += name.size() + text.size() + 8;
  std::string out;
  out.reserve(size);
  out += "{\"version\":2,\"sequence\":";
  out += std::to_string(sequence);
  out += ",\"sections\":{";
  bool first = true;
  for (auto const& [name, text] : sections) {
    if (!first) out += ',';
    first = false;
    out += '\n';
    append_json_string(out, name);
    out += ':';
    out += text;
  }
  out += "}}\n";
  return out;
}

std::optional<AtomicWriteFailure> StateFile::write(
    std::map<std::string, std::string> const& sections) {
  auto failure = write_file_atomically(path_, render(sections, sequence_ + 1));
  if (!failure) ++sequence_;
  return failure;
}

}  // namespace cos_exporter
