// Classifying one stored value for a key change (the states plan, run and verify report)
// and re-encrypting it for the target key in the same format and transformation.
#pragma once
#include "ksc/bytes.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/rsa_cipher.hpp"

#include <botan/rng.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ksc {

enum class ValueState { empty, source, target, foreign, undecryptable, not_encrypted, symmetric };
inline constexpr std::array<ValueState, 7> all_value_states = {
    ValueState::empty, ValueState::source, ValueState::target, ValueState::foreign,
    ValueState::undecryptable, ValueState::not_encrypted, ValueState::symmetric};
std::string to_string(ValueState s);   // "empty", "source", ... as the reports print them

enum class ClassifyMode {
    full,    // decrypt under the source key: the proof that run will succeed
    quick,   // self-contained values by thumbprint only; plain values still need trial decryption
    verify,  // after a run: every value must decrypt under the TARGET key
};

struct Classification {
    ValueState state = ValueState::not_encrypted;
    std::string reason;                 // for undecryptable/foreign/not_encrypted: a few words, never the value
    // For state == source: what the re-encryption needs.
    bool self_contained = false;
    std::optional<Transformation> transformation;  // the one that worked (plain) or the "t" field
    // True when `plaintext` holds the decrypted value. A quick-mode `source` (self-contained,
    // judged by thumbprint) has none; an empty plaintext alone cannot say so, because an
    // empty string is a legitimate secret.
    bool has_plaintext = false;
    SecureBytes plaintext;              // wiped on destruction
};

// Both keys of a migration. The private keys are needed: source for decryption,
// target to tell PKCS#1 ambiguity apart and for verify. Both must outlive every
// ValueMigrator made from them, and carry facts.thumbprint_sha1.
struct KeyPair {
    const LoadedKey* source;
    const LoadedKey* target;
};

// Per-thread classifier and re-encryptor: holds its own Botan decryptors, encryptors
// and RNG (none of them is thread-safe), built once and used for many values.
class ValueMigrator {
public:
    explicit ValueMigrator(const KeyPair& keys);
    ~ValueMigrator();
    ValueMigrator(const ValueMigrator&) = delete;

    // NULL is the caller's business (state empty); an empty string is empty too.
    Classification classify(std::string_view value, ClassifyMode mode);
    // The new ciphertext for a value classified `source` with its plaintext (mode full,
    // or a plain value in any mode): same format, same transformation, for the target
    // key (self-contained: the target's thumbprint). A new plain PKCS#1 v1.5 block is
    // made again if it happens to open under the source key too, so what we write is
    // never ambiguous. Anything else is ErrorKind::internal (a bug).
    // Plaintext too long for the transformation: ErrorKind::input (from RsaEncryptor).
    std::string reencrypt(const Classification& c);
    // The number of RSA private-key operations done so far (for rate measurements).
    uint64_t private_ops() const { return private_ops_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    uint64_t private_ops_ = 0;
};

}  // namespace ksc
