// The textual ciphertext formats (README.md "Ciphertext formats"): parsing and
// detection (pure, no crypto) and writing. Decryption lives in rsa_cipher.hpp.
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
};
std::string to_string(CiphertextFormat f);  // "plain", "self-contained", ...

struct ParsedCiphertext {
    CiphertextFormat format = CiphertextFormat::not_ciphertext;
    Bytes rsa_block;             // plain and self-contained: the RSA ciphertext block
    std::string transformation;  // self-contained / symmetric: the "t" field
    std::string thumbprint;      // self-contained: "tp" (uppercase as written)
    std::string reason;          // not_ciphertext: why, in a few words (never the value)
};

// Detects the format of one stored value. modulus_bytes (0 = unknown) lets a
// plain value be recognised by its decoded length; with 0 any decoded length of
// 64..1024 bytes that is a multiple of 8 counts as a candidate.
ParsedCiphertext parse_ciphertext(std::string_view text, size_t modulus_bytes = 0);

// Format 1.
std::string write_plain(ByteView rsa_block);
// Format 2, byte-identical to Gson's default output: {"c":...,"t":...,"tp":...,"tpd":"SHA-1"}
// with Gson's HTML-safe escaping ('=' -> \u003d etc.), then Base64.
std::string write_self_contained(ByteView rsa_block, std::string_view transformation,
                                 std::string_view thumbprint_sha1);

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
