#include "ksc/symmetric_crypto.hpp"

#include "ksc/cipher_suite.hpp"
#include "ksc/error.hpp"

#include <algorithm>
#include <cctype>

namespace ksc {
namespace {

// A keyId from untrusted data is shown only when it looks like one (Base64 of 32 bytes).
bool looks_like_key_id(const std::string& id) {
    return id.size() == 44 && std::all_of(id.begin(), id.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
           });
}

}  // namespace

SecureBytes decrypt_symmetric(const ParsedCiphertext& value, const std::vector<AesKey>& keys, const std::string& what) {
    if (keys.empty()) fail_internal("decrypt_symmetric without keys");
    std::vector<const AesKey*> order;
    for (const AesKey& k : keys) order.push_back(&k);
    std::stable_partition(order.begin(), order.end(), [&](const AesKey* k) { return k->id == value.key_id; });
    std::string tried;
    for (const AesKey* k : order) {
        auto suite = make_aes_suite(*k, AesReading{value.format == CiphertextFormat::raw_aes});
        try {
            if (auto o = suite->open(value)) return std::move(o->plaintext);
        } catch (const Error& e) {
            fail_input(what + ": " + e.what(), "the value is damaged");
        }
        tried += (tried.empty() ? "" : "; ") + k->describe();
    }
    const bool named = !value.key_id.empty();
    const bool named_ours = named && std::any_of(keys.begin(), keys.end(), [&](const AesKey& k) { return k.id == value.key_id; });
    fail_input(what + ": a " + to_string(value.format) + " value that does not decrypt with " + tried,
               named_ours ? "its keyId names that key, so the value is damaged"
               : named    ? "its keyId " + (looks_like_key_id(value.key_id) ? value.key_id : std::string("(unreadable)")) +
                             " names another key: give that key (--encryption-key-file)"
                          : "it was encrypted with another key, or is damaged");
}

}  // namespace ksc
