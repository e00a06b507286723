// RSA encryption as Java's JCE does it for the transformation names WSO2 uses.
// Names and paddings: ../shared/design/FORMATS.md.
#pragma once
#include "ksc/bytes.hpp"

#include <botan/pk_keys.h>
#include <botan/pubkey.h>
#include <botan/rng.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ksc {

enum class RsaPadding {
    pkcs1_v15,            // "RSA", "RSA/ECB/PKCS1Padding"
    oaep_sha1,            // "RSA/ECB/OAEPwithSHA1andMGF1Padding"
    oaep_sha256_mgf1_sha1 // "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" (JCE keeps MGF1 on SHA-1)
};

struct Transformation {
    std::string name;     // exactly as given (written to a self-contained value's "t")
    RsaPadding padding;

    // Case-insensitive, as Java compares. Unknown names: ErrorKind::usage listing the known ones.
    static Transformation parse(std::string_view jce_name);
    // Largest plaintext in bytes for a modulus of modulus_bytes (245/214/190 for RSA-2048).
    size_t max_plaintext(size_t modulus_bytes) const;
};

// Botan's EME name for a padding ("EME-PKCS1-v1_5", "OAEP(SHA-1)", "OAEP(SHA-256,MGF1(SHA-1))").
std::string botan_eme(RsaPadding p);

// Encrypts for one public key; create once and reuse (Botan objects are built once).
class RsaEncryptor {
public:
    // A key that is not RSA: ErrorKind::refused (only RSA keys can encrypt).
    RsaEncryptor(const Botan::Public_Key& key, const Transformation& t);
    // Plaintext longer than the limit: ErrorKind::input with the limit in the message.
    Bytes encrypt(ByteView plaintext, Botan::RandomNumberGenerator& rng) const;
    size_t modulus_bytes() const { return modulus_bytes_; }

private:
    Transformation t_;
    size_t modulus_bytes_;
    std::unique_ptr<Botan::PK_Encryptor_EME> enc_;
};

// Decrypts with one private key; not thread-safe, so make one per worker thread.
class RsaDecryptor {
public:
    RsaDecryptor(const Botan::Private_Key& key, RsaPadding p, Botan::RandomNumberGenerator& rng);
    // `rng` (used for blinding) must outlive the decryptor.
    // nullopt when the block does not decrypt (wrong key, wrong padding, damage).
    std::optional<SecureBytes> try_decrypt(ByteView block) const;
    size_t modulus_bytes() const { return modulus_bytes_; }

private:
    size_t modulus_bytes_;
    std::unique_ptr<Botan::PK_Decryptor_EME> dec_;
};

}  // namespace ksc
