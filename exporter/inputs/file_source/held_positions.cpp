#include "held_positions.hpp"

#include <algorithm>

#include "attach_rules.hpp"

namespace cos_exporter {
namespace {

// How far an offset is from a gzip trailer's size (the content's size modulo
// 2^32, so counted around that circle); 0 for a text file.
std::uint64_t size_distance(std::uint64_t offset, std::optional<std::uint64_t> size_hint) {
  if (!size_hint) return 0;
  std::uint64_t d = (ByteSource::hinted(offset) - *size_hint) & 0xffffffffu;  // around the circle
  return std::min(d, (std::uint64_t{1} << 32) - d);
}

}  // namespace

void HeldPositions::load(std::vector<FilePosition> saved, Clock::time_point now) {
  saved_ = saved;
  for (auto& position : saved) held_.push_back({std::move(position), now, HeldOrigin::saved});
}

void HeldPositions::release(FilePosition position, Clock::time_point now, HeldOrigin origin) {
  if (position.fingerprint_bytes == 0) return;  // never had a line: nothing to resume
  // A newer position of the same file replaces the older one.
  std::erase_if(held_, [&](Held const& held) {
    return held.position.device == position.device && held.position.inode == position.inode &&
           held.position.fingerprint == position.fingerprint;
  });
  held_.push_back({std::move(position), now, origin});
}

std::optional<HeldPositions::Claim> HeldPositions::claim(FileReader& reader,
                                                         std::string const& path,
                                                         std::optional<FileIdentity> original) {
  auto const& fingerprint = reader.fingerprint();
  if (!fingerprint) return std::nullopt;
  FileIdentity identity = reader.identity();
  std::string head;
  // The positions this file may take, in claim_rank's order; for a
  // compressed file, alike positions by how near their offset is to its
  // content's size (lines that look alike leave several that describe it:
  // each was read a little past what gzip took of it, or not quite to it).
  struct Candidate {
    int rank;
    std::uint64_t distance;
    std::size_t index;
  };
  std::vector<Candidate> order;
  bool text = reader.kind() == FileKind::text;
  auto size_hint = text ? std::nullopt : reader.size_hint();
  for (std::size_t i = 0; i < held_.size(); ++i) {
    auto const& position = held_[i].position;
    FileIdentity of{position.device, position.inode};
    auto rank = claim_rank({.same_inode = of == identity,
                            .same_path = position.path == path,
                            .origin = held_[i].origin,
                            .candidate_text = text,
                            .of_original = original == of,
                            .name_match = is_name_plus_extension(path, position.path),
                            .exact_size = size_hint == ByteSource::hinted(position.offset)});
    if (rank) order.push_back({*rank, size_distance(position.offset, size_hint), i});
  }
  std::stable_sort(order.begin(), order.end(), [](Candidate const& a, Candidate const& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.distance < b.distance;
  });
  for (auto [rank, distance, i] : order) {
    auto const& position = held_[i].position;
    Fingerprint saved{position.fingerprint_bytes, position.fingerprint};
    if (saved == *fingerprint) {
      // the common case: same first line
    } else {
      if (position.fingerprint_bytes == 0 || position.fingerprint_bytes == fingerprint->bytes)
        continue;
      if (head.empty()) head = reader.head();
      if (!head_matches(head, saved)) continue;  // saved by an older version: its first 256 bytes
    }
    auto how = reader.resume(position);
    if (how == FileReader::Resume::other) continue;
    if (!claim_accepts(held_[i].origin, text, how)) {
      reader.seek(0);
      continue;
    }
    Claim claim{how, position};
    if (how == FileReader::Resume::incomplete) return claim;  // kept for the next try
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
    return claim;
  }
  return std::nullopt;
}

bool HeldPositions::saved_inode(FileIdentity identity) const {
  return std::any_of(saved_.begin(), saved_.end(), [&](FilePosition const& p) {
    return p.device == identity.device && p.inode == identity.inode;
  });
}

bool HeldPositions::saved_path(std::string const& path) const {
  return std::any_of(saved_.begin(), saved_.end(),
                     [&](FilePosition const& p) { return p.path == path; });
}

bool HeldPositions::holds_truncated(FileIdentity identity) const {
  return std::any_of(held_.begin(), held_.end(), [&](Held const& held) {
    return held.origin == HeldOrigin::truncated && held.position.device == identity.device &&
           held.position.inode == identity.inode;
  });
}

void HeldPositions::expire(Clock::time_point now) {
  std::erase_if(held_, [&](Held const& held) { return now - held.since > keep_for_; });
  if (held_.empty()) saved_.clear();
}

void HeldPositions::append_to(std::vector<FilePosition>& out) const {
  for (auto const& held : held_) out.push_back(held.position);
}

}  // namespace cos_exporter
