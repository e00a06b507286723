// Internal: deployment.toml parsed once, for the readers that need the document as well
// as its [secrets] values (DeploymentConfig).
#pragma once
#include "ksc/secrets_editor.hpp"

#include <toml++/toml.h>

#include <string_view>
#include <vector>

namespace ksc::detail {

// The document's strings are wiped when it goes away: they include every password the
// file holds.
struct SecretsAndDocument {
    toml::table doc;
    std::vector<SecretSlot> slots;   // as find_secret_slots returns them

    SecretsAndDocument(toml::table d, std::vector<SecretSlot> s) : doc(std::move(d)), slots(std::move(s)) {}
    SecretsAndDocument(SecretsAndDocument&&) = default;
    SecretsAndDocument& operator=(SecretsAndDocument&&) = default;
    ~SecretsAndDocument();
};

// Wipes every string value of a parsed document (toml++ keeps them in std::string).
void wipe_strings(toml::node& node) noexcept;

// find_secret_slots, keeping the parsed document: the same errors, the same slots.
SecretsAndDocument parse_with_secret_slots(std::string_view toml_text, std::string_view file_name);

}  // namespace ksc::detail
