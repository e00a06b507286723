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

// Legacy raw AES values (IS 5.10's transformation "AES" = AES/ECB/PKCS5Padding: Base64 of
// the blocks, no keyId). Any Base64 of 16*n bytes looks like one and its padding proves
// little, so they are read only when the operator asks (ksmigrate --raw-aes), and then
// only when they open to text (is_text). Asked: moved, as format 3 (`to_gcm`: what the
// product reads with its default transformation since IS 5.11 / API-M 4.7) or in their
// own form (`keep`: a product still running with the transformation "AES", which reads
// them with [encryption] key). Not asked: a value that opens so under the source key is
// `undecryptable` with a reason that names the option, so plan says NO-GO and run stops.
enum class RawAes { off, to_gcm, keep };

struct MigrationKeys {
    MigrationKey source;
    MigrationKey target;
    RawAes raw_aes = RawAes::off;
};

// The raw AES form a run's journal records (RunInfo::raw_aes): "gcm" or "keep" with an
// AES target and --raw-aes, else "" (an RSA target writes every form the same way).
std::string journal_raw_aes_form(const MigrationKeys& keys);

// A cipher suite for one side (one per thread: Botan objects keep state). A side with
// no key, or an RSA key without its thumbprint: ErrorKind::internal.
std::unique_ptr<CipherSuite> cipher_suite_for(const MigrationKey& key, bool raw_aes = false);

}  // namespace ksc
