// Internal: deployment.toml parsed once, for the readers that need the document as well
// as its [secrets] values (DeploymentConfig).
#pragma once
#include "ksc/secrets_editor.hpp"

#include <toml++/toml.h>

#include <string_view>
#include <vector>

namespace ksc::detail {

struct SecretsAndDocument {
    toml::table doc;
    std::vector<SecretSlot> slots;   // as find_secret_slots returns them
};

// find_secret_slots, keeping the parsed document: the same errors, the same slots.
SecretsAndDocument parse_with_secret_slots(std::string_view toml_text, std::string_view file_name);

}  // namespace ksc::detail
