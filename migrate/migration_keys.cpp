#include "ksc/migration_keys.hpp"

#include "ksc/error.hpp"

namespace ksc {

std::string MigrationKey::id() const {
    if (aes) return "AES:" + aes->id;
    if (rsa) return rsa->facts.thumbprint_sha1;
    fail_internal("a migration key side without a key");
}

std::string MigrationKey::describe() const {
    if (aes) return aes->describe();
    if (rsa) return rsa->describe();
    return "(no key)";
}

std::string journal_raw_aes_form(const MigrationKeys& keys) {
    if (keys.target.kind() != KeyKind::aes || keys.raw_aes == RawAes::off) return "";
    return keys.raw_aes == RawAes::keep ? "keep" : "gcm";
}

std::unique_ptr<CipherSuite> cipher_suite_for(const MigrationKey& key, bool raw_aes) {
    if (key.rsa && key.aes) fail_internal("a migration key side with two keys");
    if (key.aes) return make_aes_suite(*key.aes, AesReading{raw_aes});
    if (!key.rsa) fail_internal("a migration key side without a key");
    if (key.rsa->facts.thumbprint_sha1.empty()) fail_internal("an RSA migration key without its thumbprint");
    return make_rsa_suite(*key.rsa->certificate.load_subject_public_key(), key.rsa->private_key,
                          key.rsa->facts.thumbprint_sha1, key.rsa->describe());
}

}  // namespace ksc
