// Turning "which key" (a role of deployment.toml, or an explicit keystore+alias)
// into a loaded certificate and, when needed, its private key; and the refusal
// of keys that cannot do the job (no Data Encipherment, not RSA).
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/certificate.hpp"
#include "ksc/deployment_config.hpp"
#include "ksc/keystore.hpp"
#include "ksc/password_source.hpp"

#include <botan/pk_keys.h>
#include <botan/x509cert.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ksc {

struct KeySpec {
    std::filesystem::path keystore;
    std::optional<KeystoreType> type;   // nullopt: detect from the magic bytes
    std::string alias;
    PasswordOptions password;           // store password sources
    std::filesystem::path key_password_file;  // JKS key password when it differs
    std::optional<Password> config_password;      // literal from deployment.toml
    std::optional<Password> config_key_password;
    std::string origin;                 // "[keystore.internal]", "--keystore", ... for messages
};

// The key of a role of deployment.toml ("internal": [keystore.internal] with the
// product's fallback to primary; "primary"), with the given password options.
KeySpec key_spec_for_role(const DeploymentConfig& config, std::string_view role,
                          const PasswordOptions& password, const std::filesystem::path& key_password_file);

// An explicit keystore entry (--keystore/--alias, --from-keystore/--from-alias, ...): the
// options are named in messages with password.option_prefix. No alias: ErrorKind::usage.
KeySpec explicit_key_spec(const std::string& keystore, const std::string& alias, const std::string& type,
                          const PasswordOptions& password, const std::filesystem::path& key_password_file);

struct LoadedKey {
    std::filesystem::path file;
    std::string alias;
    KeystoreType type = KeystoreType::jks;
    Botan::X509_Certificate certificate;
    CertificateFacts facts;
    std::shared_ptr<const Botan::Private_Key> private_key;  // null unless asked for
    // What the keystore reader accepted but the user must hear (bytes after the keystore,
    // a --type that differs from the file, repeated aliases): every command that loads a
    // key prints them on stderr.
    std::vector<std::string> warnings;

    std::string describe() const;   // "wso2carbon in /x/wso2carbon.jks (thumbprint 2D74...)"
};

// Loads the keystore and finds the alias (a missing alias or one without a private
// key is ErrorKind::input naming the file and listing what is there).
LoadedKey load_key(const KeySpec& spec, bool need_private_key);

// The AES key of a secret-key entry (keytool -genseckey -keyalg AES; PKCS#12 or JCEKS): the
// cipher tool's symmetric key (format 4). An alias that is not a secret-key entry, or not
// AES: ErrorKind::input naming the file and alias.
AesKey load_secret_key(const KeySpec& spec);

// Refuses (ErrorKind::refused) encrypting for a certificate whose KeyUsage lacks
// Data Encipherment or whose key is not RSA, with the keytool line to make a
// suitable key. Returns warnings (an expired certificate) for the caller to print.
std::vector<std::string> check_can_encrypt(const LoadedKey& key);

// Proves that the private key belongs to the certificate (encrypt with the
// certificate, decrypt with the key); ErrorKind::input otherwise: a damaged keystore.
void check_key_matches_certificate(const LoadedKey& key);

}  // namespace ksc
