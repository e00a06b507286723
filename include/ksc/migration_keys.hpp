// The two keys of a migration: each side is an RSA key from a keystore (LoadedKey) or an
// AES key ([encryption] key / old_key, or given explicitly), named by a key id that the
// journal records. Everything pointed at must outlive what is made from it.
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/cipher_suite.hpp"
#include "ksc/key_selection.hpp"

#include <memory>
#include <string>

namespace ksc {

struct MigrationKey {
    const LoadedKey* rsa = nullptr;   // with its private key: to decrypt (source), to tell
                                      // PKCS#1 ambiguity apart and for verify (target)
    const AesKey* aes = nullptr;      // instead of `rsa`

    MigrationKey() = default;
    MigrationKey(const LoadedKey* k) : rsa(k) {}   // NOLINT: a key is a side
    MigrationKey(const AesKey* k) : aes(k) {}      // NOLINT

    bool is_set() const { return rsa != nullptr || aes != nullptr; }
    KeyKind kind() const { return aes ? KeyKind::aes : KeyKind::rsa; }
    // What the journal records and `status` shows: an RSA key's certificate SHA-1
    // thumbprint (40 hex digits, as before AES existed, so older journals still match),
    // an AES key's "AES:" + keyId (Base64(SHA-256(key))). Neither reveals the key.
    std::string id() const;
    std::string describe() const;     // for messages: alias and file, or origin and keyId
};

struct MigrationKeys {
    MigrationKey source;
    MigrationKey target;
    // Read legacy raw AES values (AES/ECB/PKCS5Padding) with the AES key(s). Off by default:
    // any Base64 of 16*n bytes looks like one, and its padding proves little.
    bool raw_aes = false;
};

// A cipher suite for one side (one per thread: Botan objects keep state). A side with
// no key, or an RSA key without its thumbprint: ErrorKind::internal.
std::unique_ptr<CipherSuite> cipher_suite_for(const MigrationKey& key, bool raw_aes = false);

}  // namespace ksc
