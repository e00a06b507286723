// The textual ciphertext formats (README.md "Ciphertext formats"): parsing and
// detection (pure, no crypto) and writing. Decryption: cipher_suite.hpp.
#pragma once
#include "ksc/bytes.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ksc {

enum class CiphertextFormat {
    plain,              // 1: Base64(RSA block)
    self_contained,     // 2: Base64({"c","t","tp","tpd"})
    symmetric_carbon,   // 3: Base64({"c","t":"AES/...","iv"})
    symmetric_vault,    // 4: Base64({"cipherText","iv"})
    not_ciphertext,     // none of the above (plaintext or damage)
    raw_aes,            // legacy "AES" (AES/ECB/PKCS5Padding): Base64(ciphertext). Never
                        // detected (it looks like any Base64): only parse_raw_aes makes it.
};
std::string to_string(CiphertextFormat f);  // "plain", "self-contained", ...

struct ParsedCiphertext {
    CiphertextFormat format = CiphertextFormat::not_ciphertext;
    Bytes rsa_block;             // plain and self-contained: the RSA ciphertext block
    std::string transformation;  // self-contained / symmetric: the "t" field
    std::string thumbprint;      // self-contained: "tp" (uppercase as written)
    // AES formats. Format 3: the INNER initializationVector (the outer "iv" only when the
    // inner has none; the outer "kid" is never read: real values carry another key's).
    Bytes iv;
    Bytes aes_ciphertext;        // GCM: ciphertext || 128-bit tag; raw_aes: the ECB blocks
    std::string key_id;          // format 3: the inner "keyId" as written (may be empty)
    // not_ciphertext: why, in a few words (never the value). A symmetric value whose
    // parts are damaged keeps its format with the damage here (aes_ciphertext empty), so
    // it is reported as undecryptable rather than as plaintext.
    std::string reason;
};

// Detects the format of one stored value. modulus_bytes (0 = unknown) lets a
// plain value be recognised by its decoded length; with 0 any decoded length of
// 64..1024 bytes that is a multiple of 8 counts as a candidate.
ParsedCiphertext parse_ciphertext(std::string_view text, size_t modulus_bytes = 0);

// Reads a value as legacy raw AES: strict Base64 of 16*n bytes (n >= 1), else not_ciphertext.
ParsedCiphertext parse_raw_aes(std::string_view text);

// Format 1 (and raw AES: the same Base64 of the ciphertext).
std::string write_plain(ByteView rsa_block);
// Format 2, byte-identical to Gson's default output: {"c":...,"t":...,"tp":...,"tpd":"SHA-1"}
// with Gson's HTML-safe escaping ('=' -> \u003d etc.), then Base64.
std::string write_self_contained(ByteView rsa_block, std::string_view transformation,
                                 std::string_view thumbprint_sha1);

// Format 3 as Carbon's SymmetricKeyInternalCryptoProvider writes it with Gson:
// inner {"cipher","initializationVector","keyId"} (keyId omitted when empty), outer
// {"c": Base64(inner),"t","iv"}, both with Gson's escaping, then Base64.
std::string write_symmetric_carbon(ByteView iv, ByteView ciphertext_and_tag, std::string_view key_id,
                                   std::string_view transformation = "AES/GCM/NoPadding");
// Format 4 as the cipher tool writes it: Base64 of Gson's {"cipherText","iv"}.
std::string write_symmetric_vault(ByteView iv, ByteView ciphertext_and_tag);

// How a JSON writer escapes a string. Quote, backslash and control characters are
// escaped by every writer; Gson (HTML-safe, its default) also writes < > & = ' and
// U+2028/U+2029 as \u003c ...; json-simple also writes '/' as \/.
struct JsonEscapes {
    bool html_safe = true;
    bool slash = false;
};
// `s` as a quoted JSON string, escaped as `e` says (lowercase \uXXXX, as Gson).
std::string json_quote(std::string_view s, JsonEscapes e);
// Gson's default string escaping (used by write_self_contained; exposed for tests).
std::string gson_quote(std::string_view s);

}  // namespace ksc
