// Finds the values of the [secrets] table of deployment.toml and splices new
// values into the original text, so every other byte stays as the user wrote it
// (the ejson/ecfg approach). Pure functions, no I/O.
#pragma once
#include "ksc/bytes.hpp"
#include "ksc/password.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ksc {

struct SecretSlot {
    std::string alias;      // the key, decoded
    Password value;         // the string value, decoded per TOML (escapes resolved)
    size_t begin = 0;       // byte offset of the value token in the text (opening quote)
    size_t end = 0;         // one past its closing quote
    size_t line = 0;        // 1-based, for messages
    // A value written as "[text]" is plaintext waiting to be encrypted:
    // the text between the first '[' and the last ']'.
    bool is_plaintext() const;
    SecureBytes plaintext() const;   // wiped when released
};

// Every string value of [secrets] in file order. Malformed TOML -> ErrorKind::input
// "deployment.toml:LINE:COL: <what>". A non-string value in [secrets] is an input error.
std::vector<SecretSlot> find_secret_slots(std::string_view toml_text, std::string_view file_name);

struct SecretReplacement {
    size_t begin = 0, end = 0;   // from a SecretSlot
    std::string new_value;       // raw string content; written as a TOML basic string
};
// Returns the text with each [begin,end) replaced by "new_value" (quoted, escaped
// as needed). Replacements must not overlap. A Password: the rest of the file may hold
// secrets (a literal keystore password).
Password splice_secrets(std::string_view toml_text, std::vector<SecretReplacement> replacements);

}  // namespace ksc
