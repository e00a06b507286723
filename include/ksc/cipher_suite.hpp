// The cipher-suite seam: a key with an id (RSA: its certificate's SHA-1 thumbprint; AES:
// its keyId) that opens a parsed value and seals a plaintext in a chosen format. RSA and
// AES-GCM live behind it (rsa_suite.cpp, aes_suite.cpp); the classifier (value_migrator.hpp)
// and kscipher use only this interface. One suite per thread: Botan objects keep state.
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/bytes.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/rsa_cipher.hpp"

#include <botan/pk_keys.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ksc {

enum class KeyKind { rsa, aes };
std::string to_string(KeyKind k);   // "RSA", "AES"

// How a value is written: its format and, for the RSA formats, the transformation.
struct SealSpec {
    CiphertextFormat format = CiphertextFormat::plain;
    std::optional<Transformation> rsa;   // plain and self_contained only

    static SealSpec rsa_value(CiphertextFormat f, Transformation t) { return {f, std::move(t)}; }
    static SealSpec aes_value(CiphertextFormat f) { return {f, std::nullopt}; }
    // A value a wrong key opens by chance now and then: plain PKCS#1 v1.5 (about 1 in
    // 65,000) and raw AES's PKCS#5 padding (about 1 in 256). Everything else names or
    // authenticates its key: a self-contained thumbprint, OAEP's hash, the GCM tag.
    bool weak() const;
    std::string describe() const;   // "plain RSA", "self-contained RSA/ECB/...", "symmetric-carbon", ...
};

struct Opened {
    SecureBytes plaintext;
    SealSpec sealed_as;     // how the value was written (to write its successor the same way)
    bool proof = true;      // false when sealed_as.weak(): the opening may be chance
};

class CipherSuite {
public:
    virtual ~CipherSuite() = default;
    virtual KeyKind kind() const = 0;
    // RSA: certificate SHA-1 thumbprint (uppercase hex); AES: Base64(SHA-256(key)).
    virtual const std::string& key_id() const = 0;
    virtual std::string describe() const = 0;   // for messages; never key material
    // Whether a value of format f can ever be under a key of this kind.
    virtual bool reads(CiphertextFormat f) const = 0;
    // The plaintext, or nullopt when the value does not open under this key. A value no
    // key could open (an unknown transformation, damaged parts): ErrorKind::input.
    virtual std::optional<Opened> open(const ParsedCiphertext& value) = 0;
    // The plaintext sealed as `how` says; a format this key cannot write: ErrorKind::internal;
    // a plaintext longer than max_plaintext(how): ErrorKind::input.
    virtual std::string seal(ByteView plaintext, const SealSpec& how) = 0;
    virtual size_t max_plaintext(const SealSpec& how) const = 0;
    // RSA: the modulus length in bytes (what a plain block's length must be); AES: 0.
    virtual size_t block_bytes() const { return 0; }
    // RSA private-key operations done so far (for rate measurements); AES: 0.
    virtual uint64_t private_ops() const { return 0; }
};

// RSA: `public_key` seals; `private_key` (may be null: seal only) opens, trying a plain
// value with plain_padding_trials on one private-key operation.
std::unique_ptr<CipherSuite> make_rsa_suite(const Botan::Public_Key& public_key,
                                            std::shared_ptr<const Botan::Private_Key> private_key,
                                            std::string thumbprint_sha1, std::string description);

struct AesReading {
    // Read raw_aes values (the legacy "AES" transformation). Off unless asked for: any
    // Base64 of 16*n bytes looks like one, and its padding check is weak.
    bool raw_aes = false;
};
std::unique_ptr<CipherSuite> make_aes_suite(const AesKey& key, AesReading reading = {});

// The format a value moves to when it changes key kind: to AES, format 3 (Carbon's internal
// crypto); to RSA, self-contained OAEP-SHA1 (Carbon's internal-data default). Within a kind
// a value keeps the format it had.
SealSpec successor_seal(const SealSpec& had, KeyKind target);

}  // namespace ksc
