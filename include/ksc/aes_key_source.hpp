// Where kscipher's AES keys come from: an explicit key (--encryption-key-file FILE, first
// line; --encryption-key-env NAME), else [encryption] key and old_key of deployment.toml.
// A key text is never taken from the command line itself and never printed.
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/deployment_config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ksc {

struct AesKeyOptions {
    std::filesystem::path file;   // first line of the file
    std::string env;              // name of an environment variable
    std::string option_prefix = "--";   // "--", "--from-", "--to-": for messages
    bool given() const { return !file.empty() || !env.empty(); }
};

// The explicit key; nullopt when neither option is given. Both given: ErrorKind::usage.
// An unset variable or unreadable file: ErrorKind::usage / input; a text that is no AES key:
// ErrorKind::input naming the option.
std::optional<AesKey> explicit_aes_key(const AesKeyOptions& options);

// [encryption] key (and then old_key, with include_old) as the product reads them. No
// [encryption] key: ErrorKind::usage naming the file and the options; an unresolvable or
// malformed one: ErrorKind::input naming the field, never the text.
// option_prefix names the explicit-key options in hints ("--", "--from-", "--to-").
std::vector<AesKey> config_aes_keys(const DeploymentConfig& config, bool include_old,
                                    const std::string& option_prefix = "--");

}  // namespace ksc
