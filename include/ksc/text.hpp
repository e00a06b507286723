// Case-insensitive comparison of names the tools match the way Java does: keystore
// types and aliases, JCE transformation names, hex thumbprints, SQL identifiers.
// ASCII letters only; every other byte must be equal (no locale is consulted).
#pragma once
#include <algorithm>
#include <string_view>

namespace ksc {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool equals_ignore_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

constexpr bool starts_with_ignore_case(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && equals_ignore_case(s.substr(0, prefix.size()), prefix);
}

}  // namespace ksc
