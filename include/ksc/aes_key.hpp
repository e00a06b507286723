// AES keys as WSO2 reads them: the text of [encryption] key / old_key in deployment.toml
// (README.md "Symmetric encryption"), or a secret-key entry of a keystore. A key is named
// by its keyId, Base64(SHA-256(key bytes)), the id format 3 values carry.
#pragma once
#include "ksc/bytes.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ksc {

// The Identity Server default key, published in WSO2's documentation: anyone can decrypt
// what it protects. Used as raw bytes (32 characters), i.e. an AES-256 key.
inline constexpr std::string_view public_default_aes_key = "03BAFEB27A8E871CAD83C5CD4E771DAB";

struct AesKey {
    SecureBytes bytes;      // 16, 24 or 32 bytes
    std::string id;         // Base64(SHA-256(bytes)): the keyId of format 3
    std::string origin;     // where it came from, for messages ("[encryption] key of ...")
    bool public_default = false;   // the key text was public_default_aes_key

    size_t bits() const { return bytes.size() * 8; }
    std::string describe() const;  // "<origin> (AES-256, keyId ...)"
};

// Base64(SHA-256(bytes)).
std::string aes_key_id(ByteView bytes);

// The key text as the product reads it: 64 or 48 characters are hex (AES-256 / AES-192);
// any other length is used as its raw bytes. A result that is not 16, 24 or 32 bytes,
// or 64/48 characters that are not hex: ErrorKind::input naming `origin`, never the text.
AesKey parse_aes_key_text(std::string_view text, std::string origin);
// The same problems as sentences (empty: the text makes a usable key), for `kscipher check`.
std::vector<std::string> aes_key_text_problems(std::string_view text);

// A key from raw bytes (a keystore's secret-key entry); a length that is not an AES key's
// is ErrorKind::input naming `origin`.
AesKey aes_key_from_bytes(SecureBytes bytes, std::string origin);

}  // namespace ksc
