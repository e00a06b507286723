// kscipher inspect: a keystore's entries as the JSON of docs (CLI contract) and as a
// readable report that flags expired certificates and missing Data Encipherment.
#pragma once
#include "ksc/keystore.hpp"
#include "ksc/password.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace ksc {

struct InspectOptions {
    std::optional<std::string> alias;     // only this entry (case-insensitive, as Java looks up)
    std::optional<Password> key_password; // opens private keys stored without a certificate
};

// Throws ErrorKind::input when options.alias names no entry.
nlohmann::ordered_json inspect_json(const Keystore& ks, const std::string& file, const InspectOptions& options = {});
// Private-key and secret-key entries in full, then trusted certificates one line each.
// Every string from the file is valid UTF-8 with control characters escaped.
std::string inspect_text(const Keystore& ks, const std::string& file, const InspectOptions& options = {});

}  // namespace ksc
