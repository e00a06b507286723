// RC2 (RFC 2268) decryption, which Botan 2 lacks. Only legacy PKCS#12 certificate
// bags need it (pbeWithSHAAnd40BitRC2-CBC, pbeWithSHAAnd128BitRC2-CBC), so only the
// decrypting direction exists.
#pragma once
#include "ksc/bytes.hpp"

#include <array>
#include <cstdint>

namespace ksc::detail {

class Rc2Decryptor {
public:
    static constexpr size_t block_size = 8;

    // key: 1..128 bytes; effective_bits: 1..1024 (PKCS#12 uses 40 or 128, equal to
    // the key length in bits). Out-of-range values are input errors.
    Rc2Decryptor(ByteView key, size_t effective_bits);
    ~Rc2Decryptor();
    Rc2Decryptor(const Rc2Decryptor&) = delete;
    Rc2Decryptor& operator=(const Rc2Decryptor&) = delete;

    void decrypt_block(const uint8_t in[block_size], uint8_t out[block_size]) const;

private:
    std::array<uint16_t, 64> k_{};  // expanded key, wiped on destruction
};

// CBC decryption without padding removal; ciphertext length must be a non-zero
// multiple of 8 and the IV 8 bytes (input errors otherwise).
SecureBytes rc2_cbc_decrypt(ByteView key, size_t effective_bits, ByteView iv, ByteView ciphertext);

}  // namespace ksc::detail
