#include "secret_key_info.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <botan/alg_id.h>
#include <botan/ber_dec.h>

namespace ksc::detail {

namespace {

// The names sun.security.x509.AlgorithmId gives the OIDs of secret-key algorithms.
struct OidName {
    const char* oid;
    const char* name;
};
constexpr OidName secret_key_oids[] = {
    {"2.16.840.1.101.3.4.1", "AES"},
    {"1.2.840.113549.3.7", "DESede"},
    {"1.3.14.3.2.7", "DES"},
    {"1.2.840.113549.3.2", "RC2"},
    {"1.2.840.113549.3.4", "RC4"},
    {"1.2.840.113549.2.7", "HmacSHA1"},
    {"1.2.840.113549.2.8", "HmacSHA224"},
    {"1.2.840.113549.2.9", "HmacSHA256"},
    {"1.2.840.113549.2.10", "HmacSHA384"},
    {"1.2.840.113549.2.11", "HmacSHA512"},
    {"1.2.840.113549.2.12", "HmacSHA512/224"},
    {"1.2.840.113549.2.13", "HmacSHA512/256"},
    {"2.16.840.1.101.3.4.2.13", "HmacSHA3-224"},
    {"2.16.840.1.101.3.4.2.14", "HmacSHA3-256"},
    {"2.16.840.1.101.3.4.2.15", "HmacSHA3-384"},
    {"2.16.840.1.101.3.4.2.16", "HmacSHA3-512"},
    {"1.2.840.113549.1.5.12", "PBKDF2WithHmacSHA1"},
};

}  // namespace

size_t java_secret_key_bits(const std::string& algorithm, size_t key_bytes) {
    if (equals_ignore_case(algorithm, "DES") || equals_ignore_case(algorithm, "DESede") ||
        equals_ignore_case(algorithm, "TripleDES"))
        return key_bytes * 7;
    return key_bytes * 8;
}

SecretKeyValue decode_pkcs8_secret_key(ByteView der, const std::string& what) {
    SecretKeyValue v;
    try {
        size_t version = 1;
        Botan::AlgorithmIdentifier alg;
        Botan::BER_Decoder(der.data(), der.size())
            .start_cons(Botan::SEQUENCE)
            .decode(version)
            .decode(alg)
            .decode(v.key, Botan::OCTET_STRING)
            .end_cons()
            .verify_end();
        if (version != 0) fail_input(what + ": unsupported secret key version " + std::to_string(version));
        const std::string oid = alg.get_oid().to_string();
        v.algorithm = oid;
        for (const auto& o : secret_key_oids)
            if (oid == o.oid) v.algorithm = o.name;
    } catch (const Botan::Exception&) {
        fail_input(what + ": not a secret key (PKCS#8 with the key as an OCTET STRING)");
    }
    if (v.key.empty()) fail_input(what + ": the secret key is empty");
    v.bits = java_secret_key_bits(v.algorithm, v.key.size());
    return v;
}

}  // namespace ksc::detail
