# Script mode: turns the bytes of INPUT into a char array in OUTPUT.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT}
"// Generated from ${INPUT}; do not edit.
#include <string_view>
namespace cos_exporter::embedded {
static const char data[] = {
${bytes}
'\\0'};
std::string_view ${SYMBOL}() { return std::string_view(data, ${byte_count}); }
}  // namespace cos_exporter::embedded
")
