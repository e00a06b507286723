// The PKCS#12 key derivation function of RFC 7292 Appendix B.2, which Botan 2 lacks.
// It derives the MAC key (ID 3) and the keys/IVs of the legacy PKCS#12 PBE
// algorithms (ID 1 = cipher key, ID 2 = IV).
#pragma once
#include "ksc/bytes.hpp"

#include <cstdint>
#include <string>

namespace ksc::detail {

enum class Pkcs12KdfId : uint8_t { key = 1, iv = 2, mac = 3 };

// `hash` is a Botan hash name ("SHA-1", "SHA-256", ...). `password_bmp` is already
// encoded (Password::pkcs12_bmp: UTF-16BE plus 00 00). Iteration counts outside
// 1..max_pbe_iterations and out_len above 1024 are input errors (checked before any work).
SecureBytes pkcs12_kdf(const std::string& hash, ByteView password_bmp, ByteView salt,
                       Pkcs12KdfId id, uint32_t iterations, size_t out_len);

}  // namespace ksc::detail
