#include "jceks_pbe.hpp"

#include "ksc/error.hpp"
#include "ksc/keystore.hpp"

#include <botan/ber_dec.h>
#include <botan/cipher_mode.h>
#include <botan/hash.h>

#include <algorithm>
#include <array>

namespace ksc::detail {

namespace {

// The key and IV (com.sun.crypto.provider.PBES1Core): each 4-byte salt half is hashed with
// the password `iterations` times by MD5; the two 16-byte results give the 24-byte DESede
// key and the 8-byte IV. If both halves are equal, the first one is "inverted" first; the
// loop that does it swaps bytes 0<->3 and then 1<->2, i.e. reverses the half (JDK 8+;
// older JCEs had a typo here).
SecureBytes key_and_iv(const SecureBytes& password_bytes, ByteView salt, uint32_t iterations) {
    std::array<uint8_t, 8> s{};
    std::copy(salt.begin(), salt.end(), s.begin());
    if (std::equal(s.begin(), s.begin() + 4, s.begin() + 4)) std::reverse(s.begin(), s.begin() + 4);
    auto md5 = Botan::HashFunction::create_or_throw("MD5");
    SecureBytes out;
    for (size_t half = 0; half < 2; ++half) {
        SecureBytes h(s.begin() + static_cast<long>(half * 4), s.begin() + static_cast<long>(half * 4 + 4));
        for (uint32_t i = 0; i < iterations; ++i) {
            md5->update(h);
            md5->update(password_bytes);
            h = md5->final();
        }
        out.insert(out.end(), h.begin(), h.end());
    }
    return out;  // 32 bytes: key(24) || iv(8)
}

}  // namespace

JceksPbeParams decode_jceks_pbe_params(ByteView der) {
    std::vector<uint8_t> salt;
    size_t iterations = 0;
    try {
        Botan::BER_Decoder(der.data(), der.size())
            .start_cons(Botan::SEQUENCE)
            .decode(salt, Botan::OCTET_STRING)
            .decode(iterations)
            .end_cons()
            .verify_end();
    } catch (const Botan::Exception&) {
        fail_input("PBEWithMD5AndTripleDES parameters are malformed");
    }
    if (salt.size() != 8) fail_input("PBEWithMD5AndTripleDES salt must be 8 bytes");
    if (iterations < 1 || iterations > max_pbe_iterations)
        fail_input("PBEWithMD5AndTripleDES iteration count " + std::to_string(iterations) + " is outside 1.." +
                   std::to_string(max_pbe_iterations));
    return {Bytes(salt.begin(), salt.end()), static_cast<uint32_t>(iterations)};
}

std::optional<SecureBytes> jceks_pbe_decrypt(const SecureBytes& password_bytes, const JceksPbeParams& params,
                                             ByteView ciphertext) {
    if (ciphertext.empty() || ciphertext.size() % 8 != 0)
        fail_input("PBEWithMD5AndTripleDES ciphertext has a bad length");
    const SecureBytes kiv = key_and_iv(password_bytes, params.salt, params.iterations);
    auto cipher = Botan::Cipher_Mode::create_or_throw("TripleDES/CBC/PKCS7", Botan::DECRYPTION);
    cipher->set_key(kiv.data(), 24);
    SecureBytes plain(ciphertext.begin(), ciphertext.end());
    try {
        cipher->start(kiv.data() + 24, 8);
        cipher->finish(plain);
    } catch (const Botan::Exception&) {
        return std::nullopt;  // bad padding: wrong password
    }
    return plain;
}

}  // namespace ksc::detail
