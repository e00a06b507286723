// kscipher check: lints the keystore tables of deployment.toml against the
// product's rules (README.md "kscipher check"). Errors stop the product or make
// data unusable; warnings deserve attention; notes are information.
#pragma once
#include "ksc/deployment_config.hpp"
#include "ksc/password.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ksc {

struct Finding {
    std::string severity;  // "error", "warning", "note"
    std::string table;     // "keystore.primary", ...
    std::string message;
};

// `fallback_password` is used for a keystore whose password in the file is not a
// literal ($secret{...}); without it such a keystore is checked without being opened.
// No finding ever holds a password: one that cannot be used is named by its placeholder.
std::vector<Finding> check_config(const DeploymentConfig& config,
                                  const std::optional<Password>& fallback_password);

}  // namespace ksc
