#include "attach_rules.hpp"

#include <algorithm>
#include <cctype>

namespace cos_exporter {

FoundStep on_found(FoundFacts facts) noexcept {
  if (facts.read_elsewhere || facts.settled) return FoundStep::ignore;
  if (facts.draining) return FoundStep::adopt;
  return FoundStep::open;
}

bool is_copy_of(FileKind candidate, OriginalFacts const& original) noexcept {
  if (!original.same_first_line || !original.text) return false;
  // After `create` the old file lives on under its new name: what is at its
  // old path now is a new file, whatever its lines look like.
  if (original.left_candidate_path) return false;
  // copytruncate copies a file that stays where it is; a renamed file was
  // rotated by `create`, and nothing copies it.
  if (candidate == FileKind::text) {
    // Truncated already, with the position it had then held: that position
    // is for this copy (lines that look alike would also agree with what was
    // written since).
    if (original.renamed || original.truncation_held) return false;
    return original.shrunk || original.bytes_agree;
  }
  // Compressed: made of a rotated (renamed or deleted) file, of one truncated
  // after its copy, or of the file at its own name less the extension. The
  // live file, untouched at its path, is not compressed by anyone.
  return original.renamed || original.shrunk || original.candidate_is_its_name_plus_extension;
}

bool is_name_plus_extension(std::string_view path, std::string_view original) noexcept {
  if (path.size() < original.size() + 2 || !path.starts_with(original)) return false;
  auto extension = path.substr(original.size());
  if (extension[0] != '.') return false;
  extension.remove_prefix(1);
  bool letter = false;
  for (char c : extension) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    letter = letter || std::isalpha(static_cast<unsigned char>(c));
  }
  return letter;
}

namespace {

std::optional<int> base_rank(ClaimFacts const& facts) noexcept {
  if (facts.same_inode) return 0;  // its own position: a restart finds most files where they were
  // Another inode where the position was taken is a new file, never a copy:
  // logrotate's copies and compressed files get names of their own.
  if (facts.same_path) return std::nullopt;
  if (facts.candidate_text) {
    // A text copy is made by copytruncate, of a file that is truncated next.
    if (facts.origin != HeldOrigin::truncated) return std::nullopt;
    return facts.of_original ? 1 : 2;
  }
  if (facts.name_match || facts.of_original) return 1;
  switch (facts.origin) {
    case HeldOrigin::truncated:
      return 2;
    case HeldOrigin::let_go:
      return 3;
    case HeldOrigin::saved:
      return 4;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> claim_rank(ClaimFacts const& facts) noexcept {
  auto rank = base_rank(facts);
  // Among alike positions, the one whose offset is the compressed file's size first.
  if (rank) *rank = *rank * 2 + (facts.exact_size ? 0 : 1);
  return rank;
}

bool claim_accepts(HeldOrigin origin, bool candidate_text, FileReader::Resume how) noexcept {
  return !(origin == HeldOrigin::let_go && !candidate_text && how == FileReader::Resume::resumed);
}

ResumeAction resume_rule(ResumeFacts const& facts) noexcept {
  if (facts.claim) {
    switch (*facts.claim) {
      case FileReader::Resume::resumed:
        return facts.claim_same_inode ? ResumeAction::saved_position
                                      : ResumeAction::position_of_original;
      case FileReader::Resume::truncated:
        return ResumeAction::truncated;
      case FileReader::Resume::already_read:
        return facts.kind == FileKind::text ? ResumeAction::copy_at_end
                                            : ResumeAction::skip_compressed_read;
      case FileReader::Resume::incomplete:
        return ResumeAction::wait_incomplete;
      case FileReader::Resume::other:
        break;
    }
  }
  if (!facts.starting) return ResumeAction::beginning;  // found later: all of it is new
  // Another file than the one saved here (an inode reused for new content is
  // a new file too): all of it is new.
  if (facts.saved_here) return ResumeAction::replaced;
  return facts.start_at == StartAt::end ? ResumeAction::at_end : ResumeAction::beginning;
}

}  // namespace cos_exporter
