#include "pkcs12_pbe.hpp"

#include "der_check.hpp"
#include "ksc/error.hpp"
#include "ksc/keystore.hpp"
#include "pkcs12_kdf.hpp"
#include "rc2.hpp"

#include <botan/ber_dec.h>
#include <botan/cipher_mode.h>
#include <botan/mem_ops.h>
#include <botan/pbes2.h>

#include <algorithm>
#include <iterator>

namespace ksc::detail {

namespace {

const Botan::OID oid_pbes2("1.2.840.113549.1.5.13");
const Botan::OID oid_pbkdf2("1.2.840.113549.1.5.12");

// Legacy PKCS#12 PBE algorithms (RFC 7292 Appendix C), all keyed with SHA-1.
struct LegacyPbe {
    const char* oid;
    const char* cipher;  // "TripleDES" or "RC2"
    size_t key_len;
};
constexpr LegacyPbe legacy_pbes[] = {
    {"1.2.840.113549.1.12.1.3", "TripleDES", 24},  // pbeWithSHAAnd3-KeyTripleDES-CBC
    {"1.2.840.113549.1.12.1.4", "TripleDES", 16},  // pbeWithSHAAnd2-KeyTripleDES-CBC
    {"1.2.840.113549.1.12.1.5", "RC2", 16},        // pbeWithSHAAnd128BitRC2-CBC
    {"1.2.840.113549.1.12.1.6", "RC2", 5},         // pbeWithSHAAnd40BitRC2-CBC
};

bool oid_is(const Botan::OID& oid, std::initializer_list<const char*> candidates) {
    const std::string s = oid.to_string();
    for (const char* c : candidates)
        if (s == c) return true;
    return false;
}

// PKCS#5/#7 padding of an 8-byte-block cipher. A bad pad means a wrong password or damage.
void strip_padding(SecureBytes& data, const std::string& what) {
    const uint8_t pad = data.empty() ? 0 : data.back();
    bool ok = pad >= 1 && pad <= 8 && pad <= data.size();
    for (size_t i = 0; ok && i < pad; ++i) ok = data[data.size() - 1 - i] == pad;
    if (!ok) fail_input(what + ": decryption failed (wrong password or damaged file)");
    data.resize(data.size() - pad);
}

SecureBytes legacy_decrypt(const LegacyPbe& pbe, const Botan::AlgorithmIdentifier& alg,
                           ByteView ciphertext, const PbePassword& password, const std::string& what) {
    // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
    std::vector<uint8_t> salt;
    Botan::BigInt count;
    const auto& params = alg.get_parameters();
    as_der(params, what + " (PBE parameters)");  // refuses what is not ASN.1
    Botan::BER_Decoder(params).start_cons(Botan::SEQUENCE)
        .decode(salt, Botan::OCTET_STRING).decode(count).end_cons().verify_end();
    const uint32_t iterations = checked_iterations(count, what);

    if (ciphertext.empty() || ciphertext.size() % 8 != 0)
        fail_input(what + ": encrypted data length " + std::to_string(ciphertext.size()) +
                   " is not a multiple of the cipher block");
    const SecureBytes key = pkcs12_kdf("SHA-1", password.bmp, salt, Pkcs12KdfId::key, iterations, pbe.key_len);
    const SecureBytes iv = pkcs12_kdf("SHA-1", password.bmp, salt, Pkcs12KdfId::iv, iterations, 8);

    SecureBytes plain;
    if (std::string(pbe.cipher) == "RC2") {
        plain = rc2_cbc_decrypt(key, pbe.key_len * 8, iv, ciphertext);
    } else {
        auto mode = Botan::Cipher_Mode::create_or_throw("TripleDES/CBC/NoPadding", Botan::DECRYPTION);
        mode->set_key(key);
        mode->start(iv);
        plain.assign(ciphertext.begin(), ciphertext.end());
        mode->finish(plain);
    }
    strip_padding(plain, what);
    return plain;
}

SecureBytes pbes2_decrypt_checked(const Botan::AlgorithmIdentifier& alg, ByteView ciphertext,
                                  const PbePassword& password, const std::string& what) {
    // PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier,
    //                             encryptionScheme AlgorithmIdentifier }
    // Parsed here first: Botan's pbes2_decrypt would run any iteration count it is given.
    const auto& params = alg.get_parameters();
    as_der(params, what + " (PBES2 parameters)");
    Botan::AlgorithmIdentifier kdf, enc;
    Botan::BER_Decoder(params).start_cons(Botan::SEQUENCE).decode(kdf).decode(enc).end_cons().verify_end();
    if (kdf.get_oid() != oid_pbkdf2)
        fail_input(what + ": unsupported PBES2 key derivation " + kdf.get_oid().to_string());

    // PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER,
    //                              keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
    std::vector<uint8_t> salt;
    Botan::BigInt count;
    Botan::BER_Decoder kdf_outer(kdf.get_parameters());
    Botan::BER_Decoder kdf_params = kdf_outer.start_cons(Botan::SEQUENCE);
    kdf_params.decode(salt, Botan::OCTET_STRING).decode(count);
    checked_iterations(count, what);
    // PBES2 ciphers we accept, with their key sizes. A keyLength field must agree: Botan
    // would otherwise derive as many bytes as a hostile file asks for before failing.
    struct Pbes2Cipher {
        const char* oid;
        size_t key_len;
    };
    static constexpr Pbes2Cipher ciphers[] = {
        {"2.16.840.1.101.3.4.1.2", 16},   // aes128-CBC
        {"2.16.840.1.101.3.4.1.22", 24},  // aes192-CBC
        {"2.16.840.1.101.3.4.1.42", 32},  // aes256-CBC
        {"1.2.840.113549.3.7", 24},       // des-ede3-cbc
    };
    const std::string enc_oid = enc.get_oid().to_string();
    const auto cipher = std::find_if(std::begin(ciphers), std::end(ciphers),
                                     [&](const Pbes2Cipher& c) { return enc_oid == c.oid; });
    if (cipher == std::end(ciphers)) fail_input(what + ": unsupported PBES2 cipher " + enc_oid);

    Botan::BER_Object next = kdf_params.get_next_object();
    if (next.is_a(Botan::INTEGER, Botan::UNIVERSAL)) {
        // DER INTEGER contents, big-endian two's complement: small positive values only.
        size_t key_len = 0;
        const bool small = next.length() >= 1 && next.length() <= 2 && (next.bits()[0] & 0x80) == 0;
        for (size_t i = 0; small && i < next.length(); ++i) key_len = (key_len << 8) | next.bits()[i];
        if (!small || key_len != cipher->key_len)
            fail_input(what + ": PBES2 key length does not match the cipher " + enc_oid);
        next = kdf_params.get_next_object();
    }
    if (next.is_set()) {
        // prf AlgorithmIdentifier: the decoder over the object reads its contents (OID, params).
        next.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "PBKDF2 PRF");
        Botan::OID prf;
        Botan::BER_Decoder(next).decode(prf);
        if (!oid_is(prf, {"1.2.840.113549.2.7", "1.2.840.113549.2.8", "1.2.840.113549.2.9",
                          "1.2.840.113549.2.10", "1.2.840.113549.2.11"}))
            fail_input(what + ": unsupported PBKDF2 PRF " + prf.to_string());
    }
    kdf_params.verify_end();
    kdf_outer.verify_end();

    // Botan takes the passphrase as std::string: wipe that copy on every way out.
    std::string pass(password.utf8.begin(), password.utf8.end());
    const WipeOnExit wipe_pass(pass);
    try {
        const SecureBytes ct(ciphertext.begin(), ciphertext.end());
        return Botan::pbes2_decrypt(ct, pass, params);
    } catch (const std::exception&) {
        fail_input(what + ": decryption failed (wrong password or damaged file)");
    }
}

}  // namespace

uint32_t checked_iterations(const Botan::BigInt& count, const std::string& what) {
    if (count.is_negative() || count.is_zero() || count > Botan::BigInt(max_pbe_iterations))
        // Only print counts that fit 64 bits: converting a huge hostile integer to decimal is slow.
        fail_input(what + ": iteration count " +
                   (count.is_negative() ? std::string("(negative)")
                    : count.bits() <= 63 ? count.to_dec_string() : std::string("(huge)")) +
                   " is outside 1.." +
                   std::to_string(max_pbe_iterations) + " (refused: a hostile file could make this run for hours)");
    return static_cast<uint32_t>(count.to_u32bit());
}

SecureBytes pbe_decrypt(const Botan::AlgorithmIdentifier& alg, ByteView ciphertext,
                        const PbePassword& password, const std::string& what) {
    if (alg.get_oid() == oid_pbes2) return pbes2_decrypt_checked(alg, ciphertext, password, what);
    const std::string oid = alg.get_oid().to_string();
    for (const auto& pbe : legacy_pbes)
        if (oid == pbe.oid) return legacy_decrypt(pbe, alg, ciphertext, password, what);
    fail_input(what + ": unsupported encryption algorithm " + oid);
}

}  // namespace ksc::detail
