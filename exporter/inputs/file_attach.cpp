// FileInput: what is done with a file the glob finds. The rules are pure
// functions (file_source/attach_rules.hpp); this gathers their facts and acts.
#include <algorithm>
#include <cerrno>

#include "cos_exporter/common/log.hpp"
#include "file_input.hpp"
#include "file_source/attach_rules.hpp"

namespace cos_exporter {

namespace {

// How long a settled file is remembered after the glob last found it.
constexpr std::chrono::minutes kSettledKeep{10};

}  // namespace

void FileInput::attach(FollowedPath& followed_path, FoundFile const& file) {
  FileIdentity identity = file.identity;
  auto draining = std::find_if(draining_.begin(), draining_.end(),
                               [&](Draining const& d) { return d.reader->identity() == identity; });
  switch (on_found({.read_elsewhere = followed_.contains(identity),
                    .draining = draining != draining_.end(),
                    .settled = is_settled(file)})) {
    case FoundStep::ignore:
      return;
    case FoundStep::adopt:
      log_info("following rotated file under its new name", {{"component", "file"},
                                                             {"input", config_.name},
                                                             {"path", followed_path.path()},
                                                             {"was", draining->path}});
      followed_path.adopt(std::move(draining->reader));
      mark_dirty(followed_path);
      draining_.erase(draining);
      followed_.insert(identity);
      return;
    case FoundStep::open:
      break;
  }
  auto reader = open_reader(followed_path, file);
  if (!reader) return;
  if (reader->identity() != identity) {
    // Renamed or replaced since the glob looked (logrotate is at work): what
    // was decided about the file found must not be applied to another one.
    full_requested_ = true;
    schedule_pass();
    return;
  }
  if (!reader->fingerprint()) {  // no complete first line yet, or a gzip file damaged there
    if (reader->damaged_head()) give_up_damaged(*reader, followed_path.path());
    return;
  }
  if (auto original = original_of(*reader, followed_path.path())) {
    if (followed_path.deferred != identity)
      log_info("copy of a file that is still being read; waiting until that one is let go",
               {{"component", "file"}, {"input", config_.name}, {"path", followed_path.path()}});
    followed_path.deferred = identity;
    waiting_[identity] = {*original, reader->kind() != FileKind::text, Clock::now()};
    return;
  }
  start_reading(followed_path, std::move(reader));
}

std::unique_ptr<FileReader> FileInput::open_reader(FollowedPath& followed_path,
                                                   FoundFile const& file) {
  if (before_open_) before_open_(followed_path.path());
  auto opened = open_byte_source(followed_path.path());
  if (auto* source = std::get_if<std::unique_ptr<ByteSource>>(&opened))
    return std::make_unique<FileReader>(std::move(*source), max_line_bytes_);
  auto const& failure = std::get<OpenFailure>(opened);
  if (failure.error == ENOENT || failure.error == ENOTDIR) return nullptr;
  if (failure.error != 0) {
    followed_path.cannot_open(failure.error, config_.name);
    return nullptr;
  }
  if (settled_.contains(file.identity)) {  // grown since: still being written, the same skip
    settled_[file.identity] = {file.size, Clock::now(), followed_path.path()};
    return nullptr;
  }
  settle(file, file_kind_name(failure.kind), followed_path.path());
  log_warn("compressed file in a format that is not read; skipping it",
           {{"component", "file"},
            {"input", config_.name},
            {"path", followed_path.path()},
            {"format", file_kind_name(failure.kind)}});
  return nullptr;
}

std::optional<FileIdentity> FileInput::original_of(FileReader& candidate, std::string const& path) {
  auto const& fingerprint = *candidate.fingerprint();
  auto is_original = [&](FileReader* live, std::string const& live_path, bool draining) {
    if (live == nullptr || live->identity() == candidate.identity()) return false;
    OriginalFacts facts{.same_first_line = live->fingerprint() == fingerprint,
                        .text = live->kind() == FileKind::text};
    if (!facts.same_first_line) return false;
    if (candidate.kind() != FileKind::text &&
        compressed_elsewhere(live->identity(), candidate.identity()))
      return false;
    facts.left_candidate_path = live->was_at(path);
    facts.renamed = draining || live->renamed();
    facts.shrunk = live->shrunk();
    facts.truncation_held = checkpoints_.holds_truncated(live->identity());
    facts.candidate_is_its_name_plus_extension = is_name_plus_extension(path, live_path);
    if (candidate.kind() == FileKind::text && facts.text)
      facts.bytes_agree = live->copied_in(candidate);
    return is_copy_of(candidate.kind(), facts);
  };
  // Looks among the files read (or waiting) for the candidate's original;
  // `only`: that one alone, and whether it is still there.
  struct Look {
    bool there = false;
    std::optional<FileIdentity> original;
    bool same_size = false;
  };
  // Among several (lines alike, rotated files all renamed), a compressed file
  // is made of the one whose size its content has.
  auto content_size = candidate.kind() != FileKind::text ? candidate.size_hint() : std::nullopt;
  auto same_size = [&](FileReader& live) {
    return content_size && ByteSource::hinted(live.stored_size()) == *content_size;
  };
  auto look = [&](std::optional<FileIdentity> only) {
    Look result;
    auto considered = [&](std::optional<FileIdentity> identity) {
      if (!only) return true;
      if (identity != only) return false;
      result.there = true;
      return true;
    };
    auto offer = [&](FileReader& live) {
      bool same = same_size(live);
      if (!result.original || (same && !result.same_size)) {
        result.original = live.identity();
        result.same_size = same;
      }
      return result.same_size || !content_size;
    };
    for (auto const& followed_path : followed_paths_) {
      FileReader* live = followed_path->reader();
      if (live != nullptr && considered(live->identity()) &&
          is_original(live, followed_path->path(), false) && offer(*live))
        return result;
      // A text copy still waiting, at this file's name less its extension:
      // the compressed file is made of it, and that copy goes first.
      if (candidate.kind() != FileKind::text && followed_path->deferred &&
          considered(followed_path->deferred) && !followed_path->missing_since &&
          followed_path->deferred != candidate.identity() &&
          is_name_plus_extension(path, followed_path->path()) &&
          !compressed_elsewhere(*followed_path->deferred, candidate.identity())) {
        result.original = followed_path->deferred;
        result.same_size = false;
        return result;
      }
    }
    for (auto const& draining : draining_)
      if (considered(draining.reader->identity()) &&
          is_original(draining.reader.get(), draining.path, true) && offer(*draining.reader))
        return result;
    return result;
  };
  // A compressed file keeps to the file it waited for while that one is still
  // its original: later rotations move names on, and lines alike say nothing.
  // Once that file is let go, it takes that file's position.
  if (auto it = waiting_.find(candidate.identity());
      it != waiting_.end() && candidate.kind() != FileKind::text) {
    auto kept = look(it->second.original);
    if (kept.original || !kept.there) return kept.original;
  }
  return look(std::nullopt).original;
}

bool FileInput::compressed_elsewhere(FileIdentity original, FileIdentity candidate) const {
  return std::any_of(waiting_.begin(), waiting_.end(), [&](auto const& entry) {
    return entry.first != candidate && entry.second.compressed && entry.second.original == original;
  });
}

void FileInput::start_reading(FollowedPath& followed_path, std::unique_ptr<FileReader> reader) {
  FileIdentity identity = reader->identity();
  auto waited = waiting_.find(identity);
  auto original = waited != waiting_.end() ? std::optional(waited->second.original) : std::nullopt;
  auto claim = checkpoints_.claim(*reader, followed_path.path(), original);
  bool same_inode =
      claim && claim->position.device == identity.device && claim->position.inode == identity.inode;
  auto action = resume_rule({.claim = claim ? std::optional(claim->how) : std::nullopt,
                             .claim_same_inode = same_inode,
                             .kind = reader->kind(),
                             .starting = followed_path.starting,
                             .saved_here = checkpoints_.saved_inode(identity) ||
                                           checkpoints_.saved_path(followed_path.path()),
                             .start_at = config_.start_at});
  auto change = FollowedPath::Change::none;
  std::string how = "beginning";
  switch (action) {
    case ResumeAction::saved_position:
      how = "saved position";
      break;
    case ResumeAction::position_of_original:
      how = "saved position of " + claim->position.path;
      break;
    case ResumeAction::truncated:
      how = "beginning (truncated while not read)";
      change = FollowedPath::Change::truncated;
      // What was before the truncation is in logrotate's copy, if the glob finds it.
      checkpoints_.release(claim->position, Clock::now(), HeldOrigin::truncated);
      break;
    case ResumeAction::skip_compressed_read:
      // At the size it has now: gzip may have finished it since the glob looked.
      settle({identity, reader->stored_size()}, "compressed_already_read", followed_path.path());
      log_info("compressed copy of a file already read; skipping it",
               {{"component", "file"},
                {"input", config_.name},
                {"path", followed_path.path()},
                {"of", claim->position.path}});
      return;
    case ResumeAction::copy_at_end:
      how = "end (a copy of what was read from " + claim->position.path + ")";
      break;
    case ResumeAction::wait_incomplete:
      if (followed_path.deferred != identity)
        log_info("compressed file still being written; waiting for its end",
                 {{"component", "file"}, {"input", config_.name}, {"path", followed_path.path()}});
      followed_path.deferred = identity;
      return;  // still waiting: what it waits for is kept
    case ResumeAction::replaced:
      how = "beginning (replaced while stopped)";
      change = FollowedPath::Change::replaced;
      break;
    case ResumeAction::at_end:
      reader->seek_to_end();
      how = "end";
      break;
    case ResumeAction::beginning:
      break;
  }
  waiting_.erase(identity);
  followed_path.starting = false;
  reader->set_stall_limit(drain_grace_);
  followed_.insert(identity);
  followed_path.follow(std::move(reader), config_.name, how, change);
  mark_dirty(followed_path);
}

void FileInput::settle(FoundFile const& file, char const* reason, std::string const& path) {
  waiting_.erase(file.identity);
  settled_[file.identity] = {file.size, Clock::now(), path};
  count_skip(reason);
}

void FileInput::keep_waiting(std::map<std::string, FoundFile> const& found, Clock::time_point now) {
  // Kept through renames seen half done, and later rotations' renames: the
  // name a copy is found at says nothing of what it was made of.
  for (auto const& [path, file] : found)
    if (auto it = waiting_.find(file.identity); it != waiting_.end()) it->second.seen = now;
  std::erase_if(waiting_,
                [&](auto const& entry) { return now - entry.second.seen > kSettledKeep; });
}

bool FileInput::is_settled(FoundFile const& file) const {
  // By the size it had: a reused inode with other content is another file.
  auto it = settled_.find(file.identity);
  return it != settled_.end() && it->second.size == file.size;
}

void FileInput::keep_settled(std::map<std::string, FoundFile> const& found, Clock::time_point now) {
  // Kept a while after the glob last found them: a rename seen half done
  // (old name gone, new one not there yet) must not make them new files.
  for (auto const& [path, file] : found)
    if (auto it = settled_.find(file.identity); it != settled_.end()) {
      if (it->second.seen >= now) continue;  // settled in this pass, by a newer look than `found`
      if (it->second.size == file.size)
        it->second.seen = now;
      else
        settled_.erase(it);
    }
  std::erase_if(settled_,
                [&](auto const& entry) { return now - entry.second.seen > kSettledKeep; });
}

}  // namespace cos_exporter
