// RSA encryption as Java's JCE does it for the transformation names WSO2 uses.
// Names and paddings: README.md "Ciphertext formats".
#pragma once
#include "ksc/bytes.hpp"

// eme.h is a public Botan 2 header marked "internal in the future": Botan 2 has no
// other way to check a padding without a second private-key operation.
#include <botan/eme.h>
#include <botan/pk_keys.h>
#include <botan/pubkey.h>
#include <botan/rng.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
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

// The paddings a plain value (which names none) is tried with, in this order: an OAEP
// success proves the key, while PKCS#1 v1.5 opens under a wrong key (or a real OAEP block
// under the right one) about once in 65,000, so it comes last. ksmigrate and kscipher
// both try them on one private-key operation (RsaBlockOpener::unpad_first).
inline constexpr std::array<RsaPadding, 3> plain_padding_trials{
    RsaPadding::oaep_sha1, RsaPadding::oaep_sha256_mgf1_sha1, RsaPadding::pkcs1_v15};

// The JCE name a padding is written with ("RSA" for PKCS#1 v1.5, the cipher tool's name).
std::string_view jce_name(RsaPadding p);

// "RSA/ECB/NoPadding" or "RSA/NONE/NoPadding" (any case): textbook RSA, which Carbon 4.4's
// CryptoUtil wrote through BouncyCastle's "RSA". Decrypt only: it has no integrity check,
// so Transformation::parse refuses it (nothing may write it again).
bool is_textbook_rsa(std::string_view jce_name);

// The plaintext of a textbook RSA block: the opened block without its leading zero bytes
// (a plaintext that itself began with zero bytes loses them, as it did in Carbon 4.4).
SecureBytes strip_leading_zeros(const SecureBytes& opened);

struct UnpaddedBlock {
    SecureBytes plaintext;
    RsaPadding padding;   // the one that checked
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

// One RSA private-key operation per block, with any padding checked on its result:
// a plain value names no padding, so trying several costs one operation, not one
// per padding. Not thread-safe (Botan's operation and the paddings' hash objects
// keep state): make one per worker thread.
class RsaBlockOpener {
public:
    // `key` and `rng` (used for blinding) must outlive the opener. A key that is not RSA:
    // ErrorKind::refused.
    RsaBlockOpener(const Botan::Private_Key& key, Botan::RandomNumberGenerator& rng);
    // The encoded message c^d mod n, modulus_bytes() long; nullopt when the block cannot
    // be one for this key (wrong length, not below the modulus).
    std::optional<SecureBytes> open(ByteView block) const;
    // The first padding of `trials` that checks on an opened block, with its plaintext.
    std::optional<UnpaddedBlock> unpad_first(const SecureBytes& opened,
                                             std::span<const RsaPadding> trials = plain_padding_trials) const;
    // The plaintext for a padding known in advance (nullopt as above), in one call to
    // Botan's decryptor for that padding: open, then unpadding, copies the message out
    // twice, each time with Botan's constant-time copy, quadratic in the block size
    // (about 400,000 instructions, 3% of a value's work in ksmigrate run; callgrind).
    std::optional<SecureBytes> decrypt(RsaPadding p, ByteView block) const;
    size_t modulus_bytes() const { return modulus_bytes_; }

private:
    // The plaintext inside an opened block under padding p; nullopt when the padding
    // does not check (wrong key, wrong padding or damage look alike on purpose).
    std::optional<SecureBytes> unpad(RsaPadding p, const SecureBytes& opened) const;

    const Botan::Private_Key& key_;  // the caller's, kept for the padded decryptors
    Botan::RandomNumberGenerator& rng_;
    size_t modulus_bytes_;
    // Each built on first use (a decryptor's blinding set-up costs about three operations).
    mutable std::unique_ptr<Botan::PK_Decryptor_EME> raw_;
    mutable std::array<std::unique_ptr<Botan::PK_Decryptor_EME>, 3> padded_;  // by RsaPadding
    mutable std::array<std::unique_ptr<Botan::EME>, 3> eme_;  // built on first use, by RsaPadding
};

// Decrypts with one private key and one padding; not thread-safe, so make one per worker thread.
class RsaDecryptor {
public:
    RsaDecryptor(const Botan::Private_Key& key, RsaPadding p, Botan::RandomNumberGenerator& rng);
    // `key` and `rng` (used for blinding) must outlive the decryptor.
    // nullopt when the block does not decrypt (wrong key, wrong padding, damage).
    std::optional<SecureBytes> try_decrypt(ByteView block) const;
    size_t modulus_bytes() const { return opener_.modulus_bytes(); }

private:
    RsaBlockOpener opener_;
    RsaPadding padding_;
};

}  // namespace ksc
