#include "cos_exporter/inputs/file_source/checkpointer.hpp"

#include <algorithm>

namespace cos_exporter {

void Checkpointer::load(std::vector<FilePosition> saved, Clock::time_point now) {
  saved_ = saved;
  for (auto& position : saved) held_.push_back({std::move(position), now});
}

void Checkpointer::release(FilePosition position, Clock::time_point now) {
  if (position.fingerprint_bytes == 0) return;  // never had a line: nothing to resume
  // A newer position of the same file replaces the older one.
  std::erase_if(held_, [&](Held const& held) {
    return held.position.device == position.device && held.position.inode == position.inode &&
           held.position.fingerprint == position.fingerprint;
  });
  held_.push_back({std::move(position), now});
}

std::optional<Checkpointer::Claim> Checkpointer::claim(FileReader& reader,
                                                       std::string const& path) {
  auto const& fingerprint = reader.fingerprint();
  if (!fingerprint) return std::nullopt;
  FileIdentity identity = reader.identity();
  std::string head;
  // The same inode first: a restart finds most files where they were.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < held_.size(); ++i) order.push_back(i);
  std::stable_partition(order.begin(), order.end(), [&](std::size_t i) {
    return held_[i].position.device == identity.device && held_[i].position.inode == identity.inode;
  });
  for (std::size_t i : order) {
    auto const& position = held_[i].position;
    bool same_file = position.device == identity.device && position.inode == identity.inode;
    if (!same_file && position.path == path) continue;
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
    Claim claim{how, position};
    if (how == FileReader::Resume::incomplete) return claim;  // kept for the next try
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
    return claim;
  }
  return std::nullopt;
}

bool Checkpointer::saved_inode(FileIdentity identity) const {
  return std::any_of(saved_.begin(), saved_.end(), [&](FilePosition const& p) {
    return p.device == identity.device && p.inode == identity.inode;
  });
}

bool Checkpointer::saved_path(std::string const& path) const {
  return std::any_of(saved_.begin(), saved_.end(),
                     [&](FilePosition const& p) { return p.path == path; });
}

void Checkpointer::expire(Clock::time_point now) {
  std::erase_if(held_, [&](Held const& held) { return now - held.since > keep_for_; });
  if (held_.empty()) saved_.clear();
}

void Checkpointer::append_to(std::vector<FilePosition>& out) const {
  for (auto const& held : held_) out.push_back(held.position);
}

}  // namespace cos_exporter
