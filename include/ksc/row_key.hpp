// A row's key as text for the journal and reports: a JSON array that keeps types
// (blobs as hex) and decodes back to the same SqlValues.
#pragma once
#include "ksc/database.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ksc {

std::string encode_row_key(const std::vector<SqlValue>& key);
std::vector<SqlValue> decode_row_key(std::string_view text);

}  // namespace ksc
