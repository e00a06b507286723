// Password-based decryption of PKCS#12 contents: PBES2 (via Botan, after our own check of
// the parameters and the iteration count) and the legacy PKCS#12 PBE algorithms of RFC 7292
// Appendix C (3DES via Botan, RC2 via rc2.hpp), keyed with the Appendix B KDF.
#pragma once
#include "ksc/bytes.hpp"

#include <botan/asn1_obj.h>
#include <botan/bigint.h>

#include <cstdint>
#include <string>

namespace ksc::detail {

// The two encodings of one password that PKCS#12 uses.
struct PbePassword {
    const SecureBytes& utf8;  // PBES2 / PBKDF2
    const SecureBytes& bmp;   // RFC 7292 Appendix B KDF (UTF-16BE + 00 00)
};

// An iteration count read from a file, checked against 1..max_pbe_iterations before
// any key derivation runs. `what` names the place for the error message.
uint32_t checked_iterations(const Botan::BigInt& count, const std::string& what);

// Decrypts `ciphertext` protected with `alg`. Unsupported algorithms are named by OID;
// out-of-range iteration counts and failed decryptions (wrong password, damage) are
// input errors starting with `what`.
SecureBytes pbe_decrypt(const Botan::AlgorithmIdentifier& alg, ByteView ciphertext,
                        const PbePassword& password, const std::string& what);

}  // namespace ksc::detail
