// kscipher's work on the [secrets] table: encrypt the "[plaintext]" values, change
// one value, verify everything decrypts and every $secret{x} resolves. Pure: the file
// as DeploymentConfig::load read and parsed it in, new text out; the caller does the
// atomic write.
#pragma once
#include "ksc/cipher_suite.hpp"
#include "ksc/deployment_config.hpp"
#include "ksc/secrets_editor.hpp"
#include "ksc/value_crypto.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ksc {

struct ConfigureOutcome {
    Password new_text;                          // == config.text when nothing was waiting
    std::vector<std::string> encrypted_aliases; // in file order
};

// Encrypts every "[plaintext]" value of [secrets]; already-encrypted values are left alone,
// so a second run changes nothing.
ConfigureOutcome encrypt_plaintext_secrets(const DeploymentConfig& config, const ValueEncryptor& encryptor,
                                           Botan::RandomNumberGenerator& rng);
// The same through the cipher-suite seam (configure --symmetric: an AES suite, format 4).
ConfigureOutcome encrypt_plaintext_secrets(const DeploymentConfig& config, CipherSuite& suite, const SealSpec& how);

// One warning per [secrets] value that is neither "[plaintext]" nor ciphertext (a value
// typed without its brackets, or damaged): configure leaves it, and the product fails to
// decrypt it at start-up. Names the alias and line, never the value.
std::vector<std::string> odd_secret_warnings(const std::vector<SecretSlot>& slots, std::string_view file_name);

// The slot of one secret; ErrorKind::input with a hint when [secrets] has no such alias.
const SecretSlot& find_secret(const DeploymentConfig& config, std::string_view alias);

// The file with the value of one existing secret replaced by the encryption of `plaintext`.
Password change_secret(const DeploymentConfig& config, std::string_view alias, ByteView plaintext,
                       const ValueEncryptor& encryptor, Botan::RandomNumberGenerator& rng);

struct SecretCheck {
    std::string alias;
    std::string state;    // "ok", "plaintext", "undecryptable", "primary_key",
                          // "unresolved_reference"
    std::string detail;   // never the value
};
struct VerifyOutcome {
    std::vector<SecretCheck> checks;
    size_t problems() const;
};

// The key [secrets] were encrypted with before a separate [keystore.internal] was
// configured (the primary one), asked for only when a secret does not open with the
// key being verified; get() may return null (it cannot be opened).
struct PreviousKey {
    std::function<const LoadedKey*()> get;
};

// Decrypts every [secrets] value (plaintext discarded at once) and checks that every
// $secret{x} in the file names a secret that exists and is encrypted. A secret that
// opens only under `previous` is reported as state "primary_key": not yet migrated.
VerifyOutcome verify_secrets(const DeploymentConfig& config, const Botan::Private_Key& key,
                             const PlainDecryption& plain, Botan::RandomNumberGenerator& rng,
                             const PreviousKey* previous = nullptr);
// The same with any way of decrypting one value (`open` throws ksc::Error when the value
// does not decrypt; its plaintext is discarded at once): verify --symmetric.
using SecretOpener = std::function<void(std::string_view value, const std::string& what)>;
VerifyOutcome verify_secrets(const DeploymentConfig& config, const SecretOpener& open,
                             const PreviousKey* previous = nullptr);

}  // namespace ksc
