// AES key text and key ids (README.md "Symmetric encryption").
#include "ksc/aes_key.hpp"

#include "ksc/error.hpp"

#include <botan/base64.h>
#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>
#include <cctype>

namespace ksc {
namespace {

bool is_aes_length(size_t n) { return n == 16 || n == 24 || n == 32; }

bool all_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// The product hex-decodes exactly these lengths (AES-256 and AES-192 written in hex).
bool hex_length(size_t n) { return n == 64 || n == 48; }

}  // namespace

std::string aes_key_id(ByteView bytes) {
    const auto digest = Botan::HashFunction::create_or_throw("SHA-256")->process(bytes.data(), bytes.size());
    return Botan::base64_encode(digest.data(), digest.size());
}

std::string AesKey::describe() const { return origin + " (AES-" + std::to_string(bits()) + ", keyId " + id + ")"; }

std::vector<std::string> aes_key_text_problems(std::string_view text) {
    if (text.empty()) return {"the key is empty"};
    std::vector<std::string> out;
    if (hex_length(text.size())) {
        if (!all_hex(text))
            out.push_back("the key is " + std::to_string(text.size()) +
                          " characters, which the product reads as hex, but it is not hex");
        return out;
    }
    if (!is_aes_length(text.size()))
        out.push_back("the key is " + std::to_string(text.size()) +
                      " characters; the product uses 64 or 48 hex characters, or exactly 16, 24 or 32 "
                      "characters as raw bytes");
    return out;
}

AesKey parse_aes_key_text(std::string_view text, std::string origin) {
    if (const auto problems = aes_key_text_problems(text); !problems.empty())
        fail_input(origin + ": " + problems.front(),
                   "make a key with: openssl rand -hex 32 (64 hex characters, AES-256)");
    SecureBytes bytes;
    if (hex_length(text.size())) {
        bytes = Botan::hex_decode_locked(text.data(), text.size(), false);
    } else {
        bytes.assign(text.begin(), text.end());
    }
    AesKey key = aes_key_from_bytes(std::move(bytes), std::move(origin));
    key.public_default = text == public_default_aes_key;
    return key;
}

AesKey aes_key_from_bytes(SecureBytes bytes, std::string origin) {
    if (!is_aes_length(bytes.size()))
        fail_input(origin + ": a " + std::to_string(bytes.size() * 8) + "-bit key is not an AES key (128, 192 or 256 bits)");
    AesKey key;
    key.id = aes_key_id(bytes);
    key.bytes = std::move(bytes);
    key.origin = std::move(origin);
    return key;
}

}  // namespace ksc
