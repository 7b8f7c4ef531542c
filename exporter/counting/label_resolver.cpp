#include "cos_exporter/counting/label_resolver.hpp"

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {

LabelResolver::LabelResolver(LabelPlan const& plan, LabeledSeries& labeled,
                             std::vector<int> event_field_index)
    : active_(!plan.names.empty()), labeled_(labeled) {
  for (std::size_t i = 0; i < event_field_index.size(); ++i)
    if (event_field_index[i] >= 0)
      event_labels_.emplace_back(i, static_cast<std::size_t>(event_field_index[i]));
  for (auto const& [input, labels] : plan.static_labels)
    for (auto const& [name, value] : labels)
      if (int index = labeled.index_of(name); index >= 0)
        static_ids_[input].emplace_back(static_cast<std::size_t>(index), value);
  for (auto const& [input, regex] : plan.path_labels) {
    auto compiled = std::make_unique<RE2>(regex);
    if (compiled->ok()) path_regexes_[input] = std::move(compiled);
  }
}

std::uint32_t LabelResolver::source_ids(std::string const& input, std::string_view path,
                                        LabeledSeries::ValueIds& ids) noexcept {
  ids.fill(LabeledSeries::kEmpty);
  std::uint32_t overflowed = 0;
  auto take = [&](std::size_t label, std::string_view value) {
    ids[label] = labeled_.value_id(label, value, 0);
    if (ids[label] == LabeledSeries::kOther) overflowed |= 1u << label;
  };
  if (auto it = static_ids_.find(input); it != static_ids_.end())
    for (auto const& [label, value] : it->second) take(label, value);
  auto it = path_regexes_.find(input);
  if (it == path_regexes_.end() || path.empty()) return overflowed;
  RE2 const& regex = *it->second;
  try {
    // Bytes that are not UTF-8 match as the `path` label shows them, \xNN:
    // RE2 reads UTF-8, and a label value must be UTF-8.
    std::string sanitized;
    if (!is_valid_utf8(path)) {
      sanitized = sanitize_utf8(path);
      path = sanitized;
    }
    std::vector<re2::StringPiece> groups(regex.NumberOfCapturingGroups() + 1);
    if (!regex.Match(re2::StringPiece(path.data(), path.size()), 0, path.size(), RE2::UNANCHORED,
                     groups.data(), static_cast<int>(groups.size())))
      return overflowed;
    for (auto const& [name, group] : regex.NamedCapturingGroups())
      if (int label = labeled_.index_of(name); label >= 0)
        take(static_cast<std::size_t>(label),
             std::string_view(groups[group].data(), groups[group].size()));
  } catch (...) {
    // Out of memory: the file's events go without path labels.
  }
  return overflowed;
}

}  // namespace cos_exporter
