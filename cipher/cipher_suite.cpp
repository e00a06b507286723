// What the suites share: seal specifications and the format a value moves to.
#include "ksc/cipher_suite.hpp"

namespace ksc {

std::string to_string(KeyKind k) { return k == KeyKind::rsa ? "RSA" : "AES"; }

bool SealSpec::weak() const {
    if (format == CiphertextFormat::raw_aes) return true;
    return format == CiphertextFormat::plain && rsa && rsa->padding == RsaPadding::pkcs1_v15;
}

std::string SealSpec::describe() const {
    switch (format) {
        case CiphertextFormat::plain: return "plain " + (rsa ? rsa->name : std::string("RSA"));
        case CiphertextFormat::self_contained: return "self-contained " + (rsa ? rsa->name : std::string("RSA"));
        case CiphertextFormat::symmetric_carbon: return "symmetric-carbon (AES/GCM/NoPadding)";
        case CiphertextFormat::symmetric_vault: return "symmetric-vault (AES/GCM/NoPadding)";
        case CiphertextFormat::raw_aes: return "raw AES (AES/ECB/PKCS5Padding)";
        case CiphertextFormat::not_ciphertext: break;
    }
    return "not-ciphertext";
}

SealSpec successor_seal(const SealSpec& had, KeyKind target) {
    const bool had_rsa = had.format == CiphertextFormat::plain || had.format == CiphertextFormat::self_contained;
    if (target == KeyKind::rsa)
        return had_rsa ? had
                       : SealSpec::rsa_value(CiphertextFormat::self_contained,
                                             Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding"));
    return had_rsa ? SealSpec::aes_value(CiphertextFormat::symmetric_carbon) : had;
}

}  // namespace ksc
