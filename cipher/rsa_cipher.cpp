// RSA with the JCE transformation names WSO2 uses, on Botan's EME paddings.
#include "ksc/rsa_cipher.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <botan/system_rng.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace ksc {
namespace {

struct KnownName {
    std::string_view name;
    RsaPadding padding;
};

// The four names WSO2 products accept for RSA (README.md "Ciphertext formats"). Java looks them up
// case-insensitively, so "rsa/ecb/oaepwithsha1andmgf1padding" is the same cipher.
constexpr std::array<KnownName, 4> known_names{{
    {"RSA", RsaPadding::pkcs1_v15},
    {"RSA/ECB/PKCS1Padding", RsaPadding::pkcs1_v15},
    {"RSA/ECB/OAEPwithSHA1andMGF1Padding", RsaPadding::oaep_sha1},
    {"RSA/ECB/OAEPWithSHA-256AndMGF1Padding", RsaPadding::oaep_sha256_mgf1_sha1},
}};

size_t modulus_bytes_of(const Botan::Public_Key& key) { return (key.key_length() + 7) / 8; }

}  // namespace

Transformation Transformation::parse(std::string_view jce_name) {
    if (is_textbook_rsa(jce_name))
        fail_usage(std::string(jce_name) + " is textbook RSA (no padding, no integrity): accepted by decrypt only",
                   "encrypt with RSA/ECB/OAEPwithSHA1andMGF1Padding, or RSA (PKCS#1 v1.5, the cipher tool's default)");
    for (const auto& k : known_names)
        if (equals_ignore_case(jce_name, k.name)) return Transformation{std::string(jce_name), k.padding};
    std::string known;
    for (const auto& k : known_names) known += (known.empty() ? "" : ", ") + std::string(k.name);
    // The name is not secret, but it may be garbage: show it only when it is short and printable.
    const bool printable = jce_name.size() <= 64 &&
                           std::all_of(jce_name.begin(), jce_name.end(), [](char c) {
                               return std::isprint(static_cast<unsigned char>(c)) != 0;
                           });
    fail_usage("unknown transformation" + (printable ? " '" + std::string(jce_name) + "'" : std::string()),
               "use one of: " + known);
}

size_t Transformation::max_plaintext(size_t modulus_bytes) const {
    // PKCS#1 v1.5 needs 11 bytes of padding; OAEP needs 2*hLen+2 (hLen of the label hash).
    size_t overhead = 11;
    switch (padding) {
        case RsaPadding::pkcs1_v15: overhead = 11; break;
        case RsaPadding::oaep_sha1: overhead = 2 * 20 + 2; break;
        case RsaPadding::oaep_sha256_mgf1_sha1: overhead = 2 * 32 + 2; break;
    }
    return modulus_bytes > overhead ? modulus_bytes - overhead : 0;
}

std::string_view jce_name(RsaPadding p) {
    switch (p) {
        case RsaPadding::pkcs1_v15: return "RSA";
        case RsaPadding::oaep_sha1: return "RSA/ECB/OAEPwithSHA1andMGF1Padding";
        case RsaPadding::oaep_sha256_mgf1_sha1: return "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";
    }
    return "RSA";
}

bool is_textbook_rsa(std::string_view name) {
    // Java accepts the mode NONE as a synonym of ECB for RSA (BouncyCastle spells it so).
    return equals_ignore_case(name, "RSA/ECB/NoPadding") || equals_ignore_case(name, "RSA/NONE/NoPadding");
}

SecureBytes strip_leading_zeros(const SecureBytes& opened) {
    const auto first = std::find_if(opened.begin(), opened.end(), [](uint8_t b) { return b != 0; });
    return SecureBytes(first, opened.end());
}

std::string botan_eme(RsaPadding p) {
    switch (p) {
        case RsaPadding::pkcs1_v15: return "EME-PKCS1-v1_5";
        case RsaPadding::oaep_sha1: return "OAEP(SHA-1)";
        // JCE keeps MGF1 on SHA-1 for this name; MGF1(SHA-256) would not interoperate.
        case RsaPadding::oaep_sha256_mgf1_sha1: return "OAEP(SHA-256,MGF1(SHA-1))";
    }
    return "EME-PKCS1-v1_5";
}

RsaEncryptor::RsaEncryptor(const Botan::Public_Key& key, const Transformation& t)
    : t_(t), modulus_bytes_(modulus_bytes_of(key)) {
    if (key.algo_name() != "RSA")
        fail_refused("only RSA keys can encrypt (this key is " + key.algo_name() + ")",
                     "choose a keystore entry whose certificate holds an RSA key");
    // Botan asks for an RNG when building the operation; RSA's public operation does
    // not keep it, and encrypt() takes the caller's RNG for the padding.
    enc_ = std::make_unique<Botan::PK_Encryptor_EME>(key, Botan::system_rng(), botan_eme(t.padding));
}

Bytes RsaEncryptor::encrypt(ByteView plaintext, Botan::RandomNumberGenerator& rng) const {
    const size_t limit = t_.max_plaintext(modulus_bytes_);
    if (plaintext.size() > limit)
        fail_input("the value is " + std::to_string(plaintext.size()) + " bytes; " + t_.name + " with a " +
                       std::to_string(modulus_bytes_ * 8) + "-bit key fits at most " +
                       std::to_string(limit) + " bytes",
                   "RSA encrypts short secrets only; shorten the value or use a symmetric format");
    return enc_->encrypt(plaintext.data(), plaintext.size(), rng);
}

RsaBlockOpener::RsaBlockOpener(const Botan::Private_Key& key, Botan::RandomNumberGenerator& rng)
    : key_(key), rng_(rng), modulus_bytes_(modulus_bytes_of(key)) {
    if (key.algo_name() != "RSA")
        fail_refused("only RSA keys can decrypt these values (this key is " + key.algo_name() + ")");
}

std::optional<SecureBytes> RsaBlockOpener::open(ByteView block) const {
    // A block of the wrong size can never be ours; Botan would reject it anyway, but
    // checking first keeps hostile sizes away from the bignum code.
    if (block.size() != modulus_bytes_) return std::nullopt;
    if (!raw_) raw_ = std::make_unique<Botan::PK_Decryptor_EME>(key_, rng_, "Raw");
    SecureBytes m;
    try {
        m = raw_->decrypt(block.data(), block.size());  // throws when the block is not below the modulus
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (m.size() > modulus_bytes_) return std::nullopt;
    // Botan's raw result drops leading zero bytes; the paddings expect the full encoded
    // message (EM = 0x00 || ...), as Botan's own decryptor hands it to them.
    m.insert(m.begin(), modulus_bytes_ - m.size(), 0);
    return m;
}

std::optional<SecureBytes> RsaBlockOpener::unpad(RsaPadding p, const SecureBytes& opened) const {
    if (opened.size() != modulus_bytes_) return std::nullopt;
    auto& eme = eme_[static_cast<size_t>(p)];
    if (!eme) eme.reset(Botan::get_eme(botan_eme(p)));
    uint8_t valid = 0;
    SecureBytes plain = eme->unpad(valid, opened.data(), opened.size());  // constant time, as in Botan's decryptor
    if (valid == 0) return std::nullopt;
    return plain;
}

std::optional<UnpaddedBlock> RsaBlockOpener::unpad_first(const SecureBytes& opened,
                                                         std::span<const RsaPadding> trials) const {
    for (const RsaPadding p : trials)
        if (auto plain = unpad(p, opened)) return UnpaddedBlock{std::move(*plain), p};
    return std::nullopt;
}

std::optional<SecureBytes> RsaBlockOpener::decrypt(RsaPadding p, ByteView block) const {
    if (block.size() != modulus_bytes_) return std::nullopt;  // as in open()
    auto& dec = padded_[static_cast<size_t>(p)];
    if (!dec) dec = std::make_unique<Botan::PK_Decryptor_EME>(key_, rng_, botan_eme(p));
    try {
        return dec->decrypt(block.data(), block.size());  // throws when the padding does not check
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

RsaDecryptor::RsaDecryptor(const Botan::Private_Key& key, RsaPadding p, Botan::RandomNumberGenerator& rng)
    : opener_(key, rng), padding_(p) {}

std::optional<SecureBytes> RsaDecryptor::try_decrypt(ByteView block) const { return opener_.decrypt(padding_, block); }

}  // namespace ksc
