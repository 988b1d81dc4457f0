#pragma once

// Text as Elixir's String module sees it: UTF-8 split into grapheme clusters, and case mapping beyond ASCII.
//
// The clusters follow the rules of Unicode's extended grapheme clusters that ordinary text meets: a base character
// with the combining marks, variation selectors and emoji modifiers after it, emoji joined by zero-width joiners,
// flags (pairs of regional indicators) and CR LF. Case mapping covers Latin-1, Latin Extended-A, Greek and
// Cyrillic; other characters keep their case. Bytes that are not valid UTF-8 are clusters of one byte each.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::script::unicode {

std::vector<std::string_view> graphemes(std::string_view text);
size_t graphemeCount(std::string_view text);

std::string upcase(std::string_view text);
std::string downcase(std::string_view text);
// The first grapheme upper case, the rest lower case (String.capitalize/1).
std::string capitalize(std::string_view text);

} // namespace vigil::script::unicode
