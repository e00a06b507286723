// AES-GCM and AES-ECB on Botan's cipher modes, with Java's parameters.
#include "ksc/aes_cipher.hpp"

#include "ksc/error.hpp"

namespace ksc {
namespace {

std::unique_ptr<Botan::Cipher_Mode> mode(const AesKey& key, const char* suffix, Botan::Cipher_Dir dir) {
    const std::string name = "AES-" + std::to_string(key.bits()) + suffix;
    auto m = Botan::Cipher_Mode::create(name, dir);
    if (!m) fail_internal("Botan has no " + name);
    m->set_key(key.bytes);
    return m;
}

}  // namespace

AesCipher::AesCipher(const AesKey& key)
    : gcm_enc_(mode(key, "/GCM(16)", Botan::ENCRYPTION)),
      gcm_dec_(mode(key, "/GCM(16)", Botan::DECRYPTION)),
      aes_(Botan::BlockCipher::create_or_throw("AES-" + std::to_string(key.bits()))) {
    aes_->set_key(key.bytes);
}

AesCipher::~AesCipher() = default;

Bytes AesCipher::gcm_seal(ByteView iv, ByteView plaintext) {
    SecureBytes buf(plaintext.begin(), plaintext.end());
    gcm_enc_->start(iv.data(), iv.size());
    gcm_enc_->finish(buf);
    return Bytes(buf.begin(), buf.end());
}

std::optional<SecureBytes> AesCipher::gcm_open(ByteView iv, ByteView ciphertext_and_tag) {
    if (iv.empty() || ciphertext_and_tag.size() < gcm_tag_bytes) return std::nullopt;
    SecureBytes buf(ciphertext_and_tag.begin(), ciphertext_and_tag.end());
    try {
        gcm_dec_->start(iv.data(), iv.size());
        gcm_dec_->finish(buf);
    } catch (const Botan::Invalid_Authentication_Tag&) {
        gcm_dec_->reset();
        return std::nullopt;
    }
    return buf;
}

// Java's PKCS5Padding on a 16-byte block is PKCS#7: 1..16 bytes, each holding the count.
Bytes AesCipher::ecb_seal(ByteView plaintext) {
    const size_t pad = 16 - plaintext.size() % 16;
    SecureBytes buf(plaintext.begin(), plaintext.end());
    buf.insert(buf.end(), pad, static_cast<uint8_t>(pad));
    aes_->encrypt_n(buf.data(), buf.data(), buf.size() / 16);
    return Bytes(buf.begin(), buf.end());
}

std::optional<SecureBytes> AesCipher::ecb_open(ByteView ciphertext) {
    if (ciphertext.empty() || ciphertext.size() % 16 != 0) return std::nullopt;
    SecureBytes buf(ciphertext.begin(), ciphertext.end());
    aes_->decrypt_n(buf.data(), buf.data(), buf.size() / 16);
    const uint8_t pad = buf.back();
    if (pad == 0 || pad > 16) return std::nullopt;
    for (size_t i = buf.size() - pad; i < buf.size(); ++i)
        if (buf[i] != pad) return std::nullopt;
    buf.resize(buf.size() - pad);
    return buf;
}

Bytes AesCipher::new_iv(Botan::RandomNumberGenerator& rng) {
    Bytes iv(written_iv_bytes, 0);
    rng.randomize(iv.data(), random_iv_bytes);
    return iv;
}

}  // namespace ksc
