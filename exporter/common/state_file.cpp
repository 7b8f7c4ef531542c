#include "cos_exporter/common/state_file.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/json_string.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/common/regular_file.hpp"

namespace cos_exporter {
namespace {

// Reads `path`; 1 read, 0 missing, -1 unreadable (`error` set).
int read_if_present(std::string const& path, std::string& content, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return 0;
  return read_regular_file(path, content, error) ? 1 : -1;
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

bool StateFile::parse(std::string_view text, Loaded& out, std::string& error, bool& newer) {
  newer = false;
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (auto code = parser.parse(padded).get(document); code != simdjson::SUCCESS) {
    error = std::string("not JSON or truncated: ") + simdjson::error_message(code);
    return false;
  }
  std::uint64_t version = 0;
  if (document["version"].get_uint64().get(version) || version == 0) {
    error = "no version";
    return false;
  }
  if (version > kVersion) {
    newer = true;
    error = "version " + std::to_string(version) + " is newer than this exporter's " +
            std::to_string(kVersion);
    return false;
  }
  out.sections.clear();
  out.version = version;
  if (version == 1) {
    simdjson::dom::object inputs;
    if (document["inputs"].get_object().get(inputs)) {
      error = "a version-1 file without an inputs object";
      return false;
    }
    out.sections["positions"] = simdjson::minify(inputs);
    out.sequence = 0;
    return true;
  }
  simdjson::dom::object sections;
  if (document["sequence"].get_uint64().get(out.sequence) ||
      document["sections"].get_object().get(sections)) {
    error = "no sequence or sections";
    return false;
  }
  for (auto field : sections) out.sections[std::string(field.key)] = simdjson::minify(field.value);
  return true;
}

StateFile::Loaded StateFile::load() {
  Loaded main;
  std::string text, error;
  int read = read_if_present(path_, text, error);
  bool newer = false;
  if (read == 0) {
    main.outcome = Outcome::fresh_missing;
  } else if (read < 0) {
    main.outcome = Outcome::fresh_unreadable;
    main.detail = error;
  } else if (!parse(text, main, error, newer)) {
    main.outcome = newer ? Outcome::fresh_newer_version : Outcome::fresh_invalid;
    main.detail = error;
  } else {
    main.outcome = main.version == 1 ? Outcome::upgraded_v1 : Outcome::restored;
  }

  // A tmp file: an interrupted write. Complete and newer: the crash came after
  // its fsync, so it is the latest state.
  std::string const tmp = path_ + ".tmp";
  std::string tmp_text, tmp_error;
  Loaded from_tmp;
  bool tmp_newer = false;
  if (read_if_present(tmp, tmp_text, tmp_error) != 0) {
    main.tmp_left = true;
    bool tmp_ok = !tmp_text.empty() && parse(tmp_text, from_tmp, tmp_error, tmp_newer);
    if (tmp_ok && (StateFile::fresh(main.outcome) || from_tmp.sequence > main.sequence)) {
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
