// Classifying one stored value for a key change (the states plan, run and verify report)
// and re-encrypting it for the target key. Either key may be RSA or AES; both work through
// the cipher-suite seam (cipher_suite.hpp) with one ambiguity rule (value_migrator.cpp).
#pragma once
#include "ksc/bytes.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/migration_keys.hpp"
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
    quick,   // self-contained values by thumbprint only; plain and AES values still need trial decryption
    verify,  // after a run: every value must decrypt under the TARGET key
};

// What a value's reading as legacy raw AES said, where plan's advice needs it (the state
// alone cannot say it). Only with an AES source key.
enum class RawAesSign {
    none,
    unasked,      // opens to text under the source key, and MigrationKeys::raw_aes is off:
                  // state undecryptable (moving it needs the operator's choice of form)
    not_text,     // its padding checks under the source key but it opens to bytes that are
                  // not text: plain Base64 text does so 1 time in 256; or a secret stored in
                  // another charset (state unchanged: not_encrypted)
    under_target, // a raw AES value under the target key, read because --raw-aes asked:
                  // state target, left as it is (in the form it has)
};

struct Classification {
    ValueState state = ValueState::not_encrypted;
    std::string reason;                 // for undecryptable/foreign/not_encrypted: a few words, never the value
    RawAesSign raw_aes = RawAesSign::none;
    // For state == source: what the re-encryption needs.
    CiphertextFormat format = CiphertextFormat::not_ciphertext;  // as the value was written
    bool self_contained = false;                   // format == self_contained
    std::optional<Transformation> transformation;  // RSA formats: the one that worked (plain) or the "t" field
    // True when `plaintext` holds the decrypted value. A quick-mode `source` (self-contained,
    // judged by thumbprint) has none; an empty plaintext alone cannot say so, because an
    // empty string is a legitimate secret.
    bool has_plaintext = false;
    SecureBytes plaintext;              // wiped on destruction
};

// Per-thread classifier and re-encryptor: holds its own Botan decryptors, encryptors
// and RNG (none of them is thread-safe), built once and used for many values.
class ValueMigrator {
public:
    explicit ValueMigrator(const MigrationKeys& keys);
    ~ValueMigrator();
    ValueMigrator(const ValueMigrator&) = delete;

    // NULL is the caller's business (state empty); an empty string is empty too.
    Classification classify(std::string_view value, ClassifyMode mode);
    // The new ciphertext for a value classified `source` with its plaintext (mode full,
    // or a plain/AES value in any mode), for the target key. Same key kind: same format
    // and transformation (self-contained: the target's thumbprint; format 3: the target's
    // keyId). RSA -> AES: format 3; AES -> RSA: self-contained OAEP-SHA1 (successor_seal).
    // A raw AES value: format 3 or raw AES as MigrationKeys::raw_aes says.
    // A new weak value (plain PKCS#1 v1.5, raw AES) is made again if it happens to open
    // under the source key too, so what we write is never ambiguous. Anything else is
    // ErrorKind::internal (a bug). Plaintext too long for the target: ErrorKind::input.
    std::string reencrypt(const Classification& c);
    // The number of RSA private-key operations done so far (for rate measurements; AES
    // operations are not counted).
    uint64_t private_ops() const { return private_ops_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    uint64_t private_ops_ = 0;
};

}  // namespace ksc
