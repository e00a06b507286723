// Internal: PKCS#12 bags turned into keystore entries by the rules of Java's
// PKCS12KeyStore (engineLoad/loadSafeContents), so aliases, pairing and what is listed
// are what keytool shows:
// - the alias is the bag's own friendlyName, else "1", "2", ... in bag order; entries go
//   into a map under the lower-cased alias, so a repeated alias keeps the last bag;
// - a key bag without localKeyId gets "01" when it is the first key, else it is skipped;
//   a certificate without one gets "01" when it is the first bag of its SafeContents and
//   there is exactly one key so far;
// - certificates are entries only when they carry Oracle's trusted-key-usage attribute;
//   others serve as key chains.
#pragma once
#include "ksc/certificate.hpp"
#include "ksc/keystore.hpp"
#include "secret_key_info.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ksc::detail {

struct BagAttributes {
    std::optional<std::string> friendly_name;
    std::optional<Bytes> local_key_id;
    bool java_trusted = false;
};

class Pkcs12Entries {
public:
    explicit Pkcs12Entries(std::string name) : name_(std::move(name)) {}

    void start_safe_contents() { bag_in_safe_contents_ = 0; }
    void add_key(BagAttributes attrs, SecureBytes pkcs8);
    void add_certificate(BagAttributes attrs, Certificate cert);
    // A secret key: its EncryptedPrivateKeyInfo, and what the store password opened of it.
    void add_secret(BagAttributes attrs, Bytes encrypted_key_info, std::optional<SecretKeyValue> opened);
    void warn(std::string w) { warnings_.push_back(std::move(w)); }

    Keystore finish();

private:
    enum class Kind { key, trusted_certificate, secret };
    struct Named {  // one put into Java's map, in bag order
        Kind kind;
        size_t index;
        std::string alias;
    };
    struct KeyItem {
        Bytes key_id;
        std::string alias;
        SecureBytes pkcs8;
    };
    struct SecretItem {
        Bytes encrypted_key_info;
        std::string algorithm;
        size_t bits = 0;
    };
    struct CertItem {
        BagAttributes attrs;
        Certificate cert;
        bool in_chain = false;
    };

    std::string unfriendly_name() { return std::to_string(++counter_); }
    std::optional<size_t> leaf_for(const KeyItem& key) const;
    std::vector<Certificate> chain_for(size_t leaf);

    std::string name_;
    std::vector<KeyItem> keys_;
    std::vector<CertItem> certs_;
    std::vector<SecretItem> secrets_;
    std::vector<Named> named_;
    std::vector<std::string> warnings_;
    size_t private_key_count_ = 0;
    size_t bag_in_safe_contents_ = 0;
    size_t counter_ = 0;
    // Lookup indexes over certs_, built by finish(): a hostile file with many bags must
    // not make pairing quadratic. Keys are raw bytes held in strings.
    std::multimap<std::string, size_t> by_subject_, by_key_id_, by_alias_;
    std::map<std::string, size_t> by_spki_;
};

}  // namespace ksc::detail
