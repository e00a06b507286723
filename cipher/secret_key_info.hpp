// Internal: secret keys (keytool -genseckey) as Java names and sizes them, and the PKCS#8
// form in which PKCS#12 stores them (a PrivateKeyInfo whose "private key" is the raw key).
#pragma once
#include "ksc/bytes.hpp"

#include <string>

namespace ksc::detail {

struct SecretKeyValue {
    std::string algorithm;  // Java's name: "AES", "DESede", "HmacSHA256", ...
    size_t bits = 0;
    SecureBytes key;        // the raw key bytes
};

// The size keytool gives a key: its length in bits, without the parity bits of DES and
// DESede (keytool -genseckey -keyalg DESede says "168-bit").
size_t java_secret_key_bits(const std::string& algorithm, size_t key_bytes);

// PKCS#12's secret key, as Java's PKCS12KeyStore writes it inside the shrouded bag:
// SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }. The algorithm OID is named
// as Java's AlgorithmId names it (unknown OIDs as dotted text). ErrorKind::input naming `what`
// when it is not that shape.
SecretKeyValue decode_pkcs8_secret_key(ByteView der, const std::string& what);

}  // namespace ksc::detail
