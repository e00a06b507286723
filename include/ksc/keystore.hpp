// Java keystores (JKS, JCEKS, PKCS#12) read into one model. Only reading is needed:
// the tools never write keystores. Read as Java reads them: README.md "Keystores as Java reads them".
#pragma once
#include "ksc/bytes.hpp"
#include "ksc/certificate.hpp"
#include "ksc/password.hpp"

#include <botan/pk_keys.h>
#include <botan/x509cert.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ksc {

enum class KeystoreType { jks, jceks, pkcs12 };
std::string to_string(KeystoreType t);                        // "JKS", "JCEKS", "PKCS12"
KeystoreType parse_keystore_type(std::string_view name);      // case-insensitive; usage error otherwise
std::optional<KeystoreType> detect_keystore_type(ByteView bytes);  // from the magic bytes

enum class EntryKind { private_key, trusted_certificate, secret_key };
std::string to_string(EntryKind k);                           // "private_key", ...

// How a private key is stored until someone asks for it with a key password.
enum class KeyProtection {
    none,        // already plaintext PKCS#8 (PKCS#12: decrypted with the store password at load)
    jks,         // Sun proprietary XOR/SHA-1 scheme, OID 1.3.6.1.4.1.42.2.17.1.1
    jceks,       // PBEWithMD5AndTripleDES, OID 1.3.6.1.4.1.42.2.19.1
    // Secret keys:
    jceks_sealed,  // a serialized Java SealedObject under PBEWithMD5AndTripleDES (JCEKS tag 3)
    pkcs12,        // a PKCS#8 EncryptedPrivateKeyInfo from a PKCS#12 secretBag
};

struct KeystoreEntry {
    std::string alias;        // as Java lists it (PKCS#12: lower-cased; unnamed: "1", "2", ...)
    EntryKind kind = EntryKind::trusted_certificate;
    std::vector<Certificate> chain;  // leaf first; one cert for trusted entries; empty for
                                     // secret keys and for private keys stored without one
    // How many entries of the file Java's loader put under this alias: Java keeps the last
    // one (this entry); more than 1 means the others are hidden and selecting it is refused.
    size_t occurrences = 1;
    std::string note;         // why the entry cannot be used, when Java itself would refuse it
    KeyProtection protection = KeyProtection::none;
    Bytes protected_key;      // DER EncryptedPrivateKeyInfo (jks/jceks/pkcs12), the
                              // serialized SealedObject (jceks_sealed)
    SecureBytes plain_pkcs8;  // DER PrivateKeyInfo (protection == none)
    // Secret keys: the algorithm as Java names it ("AES", "DESede", "HmacSHA256") and the
    // size in bits keytool gives it ("" and 0 while unknown). Filled at load where the store
    // password opens the key (PKCS#12); JCEKS seals each key under its own key password, so
    // there the first Keystore::secret_key that opens it fills them (hence mutable).
    mutable std::string secret_algorithm;
    mutable size_t secret_bits = 0;
};

class Keystore {
public:
    // Parses and verifies integrity (JKS/JCEKS hash, PKCS#12 MAC) with the store
    // password before trusting any content. `name` is used in error messages (the path).
    static Keystore parse(ByteView bytes, const Password& store_password,
                          std::optional<KeystoreType> type, const std::string& name);
    static Keystore load(const std::filesystem::path& file, const Password& store_password,
                         std::optional<KeystoreType> type = std::nullopt);

    KeystoreType type() const { return type_; }
    const std::string& name() const { return name_; }
    const std::vector<KeystoreEntry>& entries() const { return entries_; }
    // What the reader accepted but a user should know (trailing bytes, repeated aliases, ...).
    const std::vector<std::string>& warnings() const { return warnings_; }
    void add_warning(std::string w) { warnings_.push_back(std::move(w)); }
    // Alias lookup is case-insensitive (JKS lowercases aliases on write).
    const KeystoreEntry* find(std::string_view alias) const;

    // The entry's private key. JKS/JCEKS keys are decrypted with key_password (a wrong
    // one is ErrorKind::input naming the alias); PKCS#12 keys were decrypted at load.
    std::unique_ptr<Botan::Private_Key> private_key(std::string_view alias,
                                                    const Password& key_password) const;

    // The raw bytes of a secret-key entry, opened with key_password (PKCS#12: the store
    // password, as keytool writes them). A wrong key password is ErrorKind::input naming the
    // alias, and so is an entry that is not a secret key. Fills the entry's secret_algorithm
    // and secret_bits.
    SecureBytes secret_key(std::string_view alias, const Password& key_password) const;

    // Used by the format readers.
    Keystore(KeystoreType type, std::string name, std::vector<KeystoreEntry> entries)
        : type_(type), name_(std::move(name)), entries_(std::move(entries)) {}

private:
    KeystoreType type_;
    std::string name_;
    std::vector<KeystoreEntry> entries_;
    std::vector<std::string> warnings_;
    // secret_key() fills an entry's secret_algorithm/secret_bits: one writer at a time.
    std::shared_ptr<std::mutex> secret_fill_ = std::make_shared<std::mutex>();
};

// Limits that hostile files cannot push us past (enforced in the readers).
inline constexpr uint32_t max_pbe_iterations = 5'000'000;  // Java's own cap
inline constexpr uint32_t max_keystore_entries = 100'000;

}  // namespace ksc
