// Internal: which two keys a migration moves data between, from ksmigrate's options:
// a role of deployment.toml on each side (primary, internal, encryption-key,
// old-encryption-key) or an explicit key (a keystore entry, or an AES key from a file
// or variable), with the refusals that come before anything is read or written.
#pragma once
#include "ksc/aes_key_source.hpp"
#include "ksc/deployment_config.hpp"
#include "ksc/error.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/migration_keys.hpp"
#include "ksc/password_source.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ksc::detail {

// The roles a key plays in the product, as --from/--to name them.
inline const std::vector<std::string> key_role_names = {"primary", "internal", "encryption-key", "old-encryption-key"};

// One side's options as typed.
struct KeySideOptions {
    std::string role;                        // "" = the default (source: primary; target: internal)
    std::string keystore, alias, type;       // an explicit RSA key
    PasswordOptions password;
    std::string key_password_file;
    AesKeyOptions aes;                       // an explicit AES key
    // An AES side: an AES key is given or named by its role.
    bool is_aes() const;
};
KeySideOptions key_side_options(const char* prefix);   // "--from-" / "--to-", for messages

struct ChosenKeys {
    std::optional<LoadedKey> source_rsa, target_rsa;
    std::optional<AesKey> source_aes, target_aes;
    // Why the target is not the key the product will use ("" = it is), and what to put in
    // deployment.toml so that it is. plan reports it, run refuses it.
    std::string not_product_key;
    std::string product_key_hint;
    std::optional<Error> refusal;            // with defer_refusal: for plan's report
    std::vector<std::string> warnings;       // the keystores' own, a certificate's
    std::vector<std::string> notes;
    RawAes raw_aes = RawAes::off;            // copied into keys()

    // Points into this object: keep it in place while the pair is used.
    MigrationKeys keys() const;
};

// Loads both keys. Usage errors and unreadable keys throw; a refusal (no Data
// Encipherment, the public default AES key, the same key on both sides) throws unless
// defer_refusal, which records it instead (the keys stay loaded for the report).
ChosenKeys choose_keys(const KeySideOptions& from, const KeySideOptions& to, const std::optional<DeploymentConfig>& cfg,
                       bool allow_default_key, bool defer_refusal);

}  // namespace ksc::detail
