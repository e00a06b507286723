// Internal: PBEWithMD5AndTripleDES (OID 1.3.6.1.4.1.42.2.19.1) as Sun's JCE computes it. JCEKS
// protects private keys with it (in an EncryptedPrivateKeyInfo) and seals secret keys with it
// (in a serialized SealedObject): one implementation serves both.
#pragma once
#include "ksc/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ksc::detail {

inline constexpr const char* jceks_pbe_oid = "1.3.6.1.4.1.42.2.19.1";

struct JceksPbeParams {
    Bytes salt;  // 8 bytes
    uint32_t iterations = 0;
};

// PBEParameter ::= SEQUENCE { salt OCTET STRING (8 bytes), iterationCount INTEGER }, checked
// (iterations within 1..max_pbe_iterations) before any work; ErrorKind::input otherwise.
JceksPbeParams decode_jceks_pbe_params(ByteView der);

// TripleDES-CBC with the PBE key and IV, PKCS#5 padding removed. nullopt: bad padding,
// i.e. a wrong password (or damage). `password_bytes`: one byte per password char, as Java
// turns char[] into bytes for this cipher.
std::optional<SecureBytes> jceks_pbe_decrypt(const SecureBytes& password_bytes, const JceksPbeParams& params,
                                             ByteView ciphertext);

}  // namespace ksc::detail
