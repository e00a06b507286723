// kscipher inspect: a keystore's entries as the JSON of ../shared/design/CLI.md and
// as a readable table that flags expired certificates and missing Data Encipherment.
#pragma once
#include "ksc/keystore.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace ksc {

nlohmann::ordered_json inspect_json(const Keystore& ks, const std::string& file);
std::string inspect_text(const Keystore& ks, const std::string& file);

}  // namespace ksc
