// The RSA side of the cipher-suite seam, on rsa_cipher's opener and encryptors and the
// format writers of ciphertext.hpp (the same pieces ValueEncryptor and decrypt_value use).
#include "ksc/cipher_suite.hpp"

#include "ksc/error.hpp"

#include <botan/system_rng.h>
#include <botan/x509_key.h>

#include <array>

namespace ksc {
namespace {

class RsaSuite final : public CipherSuite {
public:
    RsaSuite(const Botan::Public_Key& pub, std::shared_ptr<const Botan::Private_Key> priv, std::string tp,
             std::string description)
        : public_key_(Botan::X509::load_key(pub.subject_public_key())),
          private_key_(std::move(priv)),
          thumbprint_(std::move(tp)),
          description_(std::move(description)),
          modulus_bytes_((pub.key_length() + 7) / 8) {
        if (pub.algo_name() != "RSA")
            fail_refused("only RSA keys can encrypt these values (this key is " + pub.algo_name() + ")");
    }

    KeyKind kind() const override { return KeyKind::rsa; }
    const std::string& key_id() const override { return thumbprint_; }
    std::string describe() const override { return description_; }
    size_t block_bytes() const override { return modulus_bytes_; }
    uint64_t private_ops() const override { return ops_; }

    bool reads(CiphertextFormat f) const override {
        return f == CiphertextFormat::plain || f == CiphertextFormat::self_contained;
    }

    std::optional<Opened> open(const ParsedCiphertext& v) override {
        if (v.format == CiphertextFormat::self_contained) {
            const Transformation t = stored_transformation(v.transformation);
            auto pt = decrypt_block(t.padding, v.rsa_block);
            if (!pt) return std::nullopt;
            // The thumbprint names the key, whatever the padding's strength.
            return Opened{std::move(*pt), SealSpec::rsa_value(v.format, t), true};
        }
        if (v.format != CiphertextFormat::plain) return std::nullopt;
        const auto opened = open_block(v.rsa_block);
        if (!opened) return std::nullopt;
        auto u = opener().unpad_first(*opened);
        if (!u) return std::nullopt;
        SealSpec how = SealSpec::rsa_value(v.format, Transformation::parse(jce_name(u->padding)));
        const bool proof = !how.weak();
        return Opened{std::move(u->plaintext), std::move(how), proof};
    }

    std::string seal(ByteView plaintext, const SealSpec& how) override {
        if (!reads(how.format) || !how.rsa) fail_internal("an RSA key cannot write " + how.describe());
        const Bytes block = encryptor(*how.rsa).encrypt(plaintext, Botan::system_rng());
        return how.format == CiphertextFormat::plain ? write_plain(block)
                                                     : write_self_contained(block, how.rsa->name, thumbprint_);
    }

    size_t max_plaintext(const SealSpec& how) const override {
        return how.rsa ? how.rsa->max_plaintext(modulus_bytes_) : 0;
    }

private:
    // A transformation stored in a value is data: an unknown one is bad input, not a usage error.
    static Transformation stored_transformation(const std::string& name) {
        try {
            return Transformation::parse(name);
        } catch (const Error& e) {
            fail_input(std::string("names a transformation this tool does not know (") + e.what() + ")");
        }
    }

    RsaBlockOpener& opener() {
        if (!private_key_) fail_internal("the private key of " + description_ + " is not loaded");
        // The system generator (/dev/urandom) for blinding and padding: each private-key
        // operation draws two blinding masks, and a draw from Botan's AutoSeeded_RNG
        // (HMAC_DRBG over SHA-512) costs about 15 us against 1.5 us for the system's,
        // about 4% of a value's CPU in ksmigrate run (measured with perf).
        if (!opener_) opener_ = std::make_unique<RsaBlockOpener>(*private_key_, Botan::system_rng());
        return *opener_;
    }

    // One private-key operation each; a block of another length cannot be under this key
    // and costs nothing.
    std::optional<SecureBytes> open_block(ByteView block) {
        if (!counted(block)) return std::nullopt;
        return opener().open(block);
    }
    std::optional<SecureBytes> decrypt_block(RsaPadding p, ByteView block) {
        if (!counted(block)) return std::nullopt;
        return opener().decrypt(p, block);
    }
    bool counted(ByteView block) {
        if (block.size() != modulus_bytes_) return false;
        ++ops_;
        return true;
    }

    const RsaEncryptor& encryptor(const Transformation& t) {
        auto& slot = encryptors_[static_cast<size_t>(t.padding)];
        if (!slot || slot->name != t.name) slot = std::make_unique<Named>(Named{t.name, RsaEncryptor(*public_key_, t)});
        return slot->enc;
    }

    struct Named {
        std::string name;
        RsaEncryptor enc;
    };
    std::unique_ptr<Botan::Public_Key> public_key_;
    std::shared_ptr<const Botan::Private_Key> private_key_;
    std::string thumbprint_;
    std::string description_;
    size_t modulus_bytes_;
    uint64_t ops_ = 0;
    std::unique_ptr<RsaBlockOpener> opener_;
    std::array<std::unique_ptr<Named>, 3> encryptors_;
};

}  // namespace

std::unique_ptr<CipherSuite> make_rsa_suite(const Botan::Public_Key& public_key,
                                            std::shared_ptr<const Botan::Private_Key> private_key,
                                            std::string thumbprint_sha1, std::string description) {
    return std::make_unique<RsaSuite>(public_key, std::move(private_key), std::move(thumbprint_sha1),
                                      std::move(description));
}

}  // namespace ksc
