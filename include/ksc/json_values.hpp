// The embedded values of kind "json-encrypted-values" (AM_KEY_MANAGER.CONFIGURATION):
// every {"encrypted":true,"value":"..."} object, at any depth. Pure functions.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksc {

// The "value" strings of every embedded encrypted object, in document order.
// Not JSON, or nesting deeper than 64 levels: ErrorKind::input.
std::vector<std::string> embedded_values(std::string_view json_text);

// Rewrites the document with each embedded value replaced by `replace(old)`
// (nullopt keeps it). Object key order and all other content are kept; the
// output is compact JSON like the input Java writes. When nothing is replaced the
// input comes back byte for byte. An embedded object is a leaf (not searched inside).
std::string replace_embedded_values(std::string_view json_text,
                                    const std::function<std::optional<std::string>(const std::string&)>& replace);

}  // namespace ksc
