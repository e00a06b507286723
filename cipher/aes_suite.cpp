// The AES side of the cipher-suite seam: formats 3 and 4 (AES-GCM, authenticated, so an
// opening is proof of the key) and, on request, legacy raw AES (ECB, weak padding check).
#include "ksc/aes_cipher.hpp"
#include "ksc/cipher_suite.hpp"
#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <botan/auto_rng.h>

#include <limits>

namespace ksc {
namespace {

constexpr std::string_view gcm_name = "AES/GCM/NoPadding";

class AesSuite final : public CipherSuite {
public:
    AesSuite(const AesKey& key, AesReading reading)
        : cipher_(key), id_(key.id), description_(key.describe()), reading_(reading) {}

    KeyKind kind() const override { return KeyKind::aes; }
    const std::string& key_id() const override { return id_; }
    std::string describe() const override { return description_; }

    bool reads(CiphertextFormat f) const override {
        return f == CiphertextFormat::symmetric_carbon || f == CiphertextFormat::symmetric_vault ||
               (f == CiphertextFormat::raw_aes && reading_.raw_aes);
    }

    std::optional<Opened> open(const ParsedCiphertext& v) override {
        if (!reads(v.format)) return std::nullopt;
        if (v.format == CiphertextFormat::raw_aes) {
            auto pt = cipher_.ecb_open(v.aes_ciphertext);
            if (!pt) return std::nullopt;
            return Opened{std::move(*pt), SealSpec::aes_value(v.format), false};
        }
        // Damaged parts or another AES mode: no key opens it, so say so instead of "wrong key".
        if (!v.reason.empty()) fail_input(v.reason);
        if (v.format == CiphertextFormat::symmetric_carbon && !equals_ignore_case(v.transformation, gcm_name))
            fail_input("symmetric value with a transformation this tool does not know");
        auto pt = cipher_.gcm_open(v.iv, v.aes_ciphertext);
        if (!pt) return std::nullopt;
        return Opened{std::move(*pt), SealSpec::aes_value(v.format), true};
    }

    std::string seal(ByteView plaintext, const SealSpec& how) override {
        switch (how.format) {
            case CiphertextFormat::symmetric_carbon: {
                const Bytes iv = AesCipher::new_iv(rng_);
                return write_symmetric_carbon(iv, cipher_.gcm_seal(iv, plaintext), id_);
            }
            case CiphertextFormat::symmetric_vault: {
                // The cipher tool's IV: 128 random bytes.
                Bytes iv(written_iv_bytes);
                rng_.randomize(iv.data(), iv.size());
                return write_symmetric_vault(iv, cipher_.gcm_seal(iv, plaintext));
            }
            case CiphertextFormat::raw_aes: return write_plain(cipher_.ecb_seal(plaintext));
            default: fail_internal("an AES key cannot write " + how.describe());
        }
    }

    size_t max_plaintext(const SealSpec&) const override { return std::numeric_limits<size_t>::max(); }

private:
    Botan::AutoSeeded_RNG rng_;
    AesCipher cipher_;
    std::string id_;
    std::string description_;
    AesReading reading_;
};

}  // namespace

std::unique_ptr<CipherSuite> make_aes_suite(const AesKey& key, AesReading reading) {
    return std::make_unique<AesSuite>(key, reading);
}

}  // namespace ksc
