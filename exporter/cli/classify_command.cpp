#include <ostream>

#include "cos_exporter/cli/commands.hpp"
#include "cos_exporter/counting/unknown_codes.hpp"
#include "sdk_list.hpp"

namespace cos_exporter {
namespace {

std::string group_names(Classifier const& classifier, GroupMask mask) {
  std::string names;
  auto groups = classifier.group_matcher().groups();
  for_each_group(mask, [&](unsigned i) { names += (names.empty() ? "" : ",") + groups[i].name; });
  return names.empty() ? "-" : names;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int run_classify(Classifier const& classifier, std::int64_t code, std::string const& message,
                 SdkDialect sdk, std::ostream& out) {
  std::uint32_t index = classifier.classify(code, message, sdk);
  if (index == Classifier::kUnknown) {
    // Named as the daemon names it: by the message of its first event when
    // that is an identifier.
    std::string_view name = UnknownCodes::name_for(message);
    out << "ERROR unknown " << code << " " << name << "\n"
        << "code " << code
        << " is not in the catalog: it is counted as category=\"unknown\" name=\"" << name << "\""
        << (name == kUnknownName ? std::string_view()
                                 : std::string_view(" (the first event's message names an unknown "
                                                    "code when it is an identifier)"))
        << "\n"
        << "groups:         " << group_names(classifier, classifier.unknown_code_groups(code, name))
        << "\n";
    return 1;
  }
  CodeClass const& code_class = classifier.at(index);
  out << upper(to_string(code_class.kind)) << " " << to_string(code_class.category) << " "
      << code_class.code_label << " " << code_class.name << "\n";
  out << "code:           " << code_class.code_label << "\n"
      << "name:           " << code_class.name << "\n"
      << "category:       " << to_string(code_class.category) << "\n"
      << "kind:           " << to_string(code_class.kind) << "\n";
  if (!code_class.sdks.empty()) out << "sdk:            " << sdk_list(code_class.sdks) << "\n";
  auto entries = classifier.catalog().entries();
  for (std::size_t entry_index : code_class.entries) {
    CatalogEntry const& entry = entries[entry_index];
    if (code_class.entries.size() > 1) out << "entry:          " << entry.name << "\n";
    out << "description:    " << entry.description << "\n"
        << "description_en: " << entry.description_en << "\n";
  }
  out << "groups:         " << group_names(classifier, code_class.groups) << "\n";
  if (code_class.entries.size() > 1)
    out << "note:           code " << code_class.code_label
        << " is shared; an event whose message equals one of the names gets that name\n";
  return 0;
}

}  // namespace cos_exporter
