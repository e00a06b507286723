// AES as Java's JCE does it for WSO2: "AES/GCM/NoPadding" with a 128-bit tag appended to
// the ciphertext, no AAD, any IV length (Java's GHASH-derived counter for IVs that are not
// 12 bytes, as Botan does); and the legacy "AES" = AES/ECB/PKCS5Padding.
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/bytes.hpp"

#include <botan/block_cipher.h>
#include <botan/cipher_mode.h>
#include <botan/rng.h>

#include <memory>
#include <optional>

namespace ksc {

inline constexpr size_t gcm_tag_bytes = 16;
// What current WSO2 writes: a 128-byte IV (Carbon: 16 random bytes then zeros; the cipher
// tool: 128 random bytes). We write 16 random bytes then zeros, which both read.
inline constexpr size_t written_iv_bytes = 128;
inline constexpr size_t random_iv_bytes = 16;

// One key's AES operations; not thread-safe (Botan's modes keep state): one per worker.
class AesCipher {
public:
    explicit AesCipher(const AesKey& key);
    ~AesCipher();
    AesCipher(const AesCipher&) = delete;

    // ciphertext || tag.
    Bytes gcm_seal(ByteView iv, ByteView plaintext);
    // nullopt when the tag does not verify (wrong key, or damage: they look alike).
    std::optional<SecureBytes> gcm_open(ByteView iv, ByteView ciphertext_and_tag);
    // Legacy "AES": ECB with PKCS#5 padding.
    Bytes ecb_seal(ByteView plaintext);
    // nullopt when the padding does not check; a wrong key passes it about once in 256.
    std::optional<SecureBytes> ecb_open(ByteView ciphertext);
    // A fresh IV as we write it: written_iv_bytes, the first random_iv_bytes random.
    static Bytes new_iv(Botan::RandomNumberGenerator& rng);

private:
    std::unique_ptr<Botan::Cipher_Mode> gcm_enc_, gcm_dec_;
    std::unique_ptr<Botan::BlockCipher> aes_;  // ECB (Botan 2 builds no ECB mode): block by block
};

}  // namespace ksc
