// The format-independent side of Keystore: type names, detection from the magic
// bytes, dispatch to the format readers, alias lookup and private-key recovery.
#include "ksc/keystore.hpp"

#include "jceks_sealed_key.hpp"
#include "keystore_formats.hpp"
#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>

#include <algorithm>

namespace ksc {

namespace {

bool starts_with_text(ByteView bytes, std::string_view text) {
    return bytes.size() >= text.size() && std::equal(text.begin(), text.end(), bytes.begin());
}

bool is_certificate(ByteView bytes) {
    try {
        Certificate cert(Bytes(bytes.begin(), bytes.end()));
        return true;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace

std::string to_string(KeystoreType t) {
    switch (t) {
        case KeystoreType::jks: return "JKS";
        case KeystoreType::jceks: return "JCEKS";
        case KeystoreType::pkcs12: return "PKCS12";
    }
    return "unknown";
}

KeystoreType parse_keystore_type(std::string_view name) {
    if (equals_ignore_case(name, "JKS")) return KeystoreType::jks;
    if (equals_ignore_case(name, "JCEKS")) return KeystoreType::jceks;
    if (equals_ignore_case(name, "PKCS12") || equals_ignore_case(name, "PKCS#12") || equals_ignore_case(name, "P12")) return KeystoreType::pkcs12;
    fail_usage("unknown keystore type '" + std::string(name) + "'", "use JKS, JCEKS or PKCS12");
}

std::optional<KeystoreType> detect_keystore_type(ByteView bytes) {
    if (bytes.size() >= 4) {
        const uint32_t magic = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
        if (magic == 0xFEEDFEED) return KeystoreType::jks;
        if (magic == 0xCECECECE) return KeystoreType::jceks;
    }
    if (!bytes.empty() && bytes[0] == 0x30) return KeystoreType::pkcs12;  // DER SEQUENCE
    return std::nullopt;
}

std::string to_string(EntryKind k) {
    switch (k) {
        case EntryKind::private_key: return "private_key";
        case EntryKind::trusted_certificate: return "trusted_certificate";
        case EntryKind::secret_key: return "secret_key";
    }
    return "unknown";
}

Keystore Keystore::parse(ByteView bytes, const Password& store_password, std::optional<KeystoreType> type,
                         const std::string& name) {
    // The magic bytes decide, not the declared type: Java 17's "JKS" and "PKCS12"
    // keystore types read both formats (keystore.type.compat), and WSO2 configs often
    // say JKS for a PKCS#12 file. A declared type that differs is reported as a warning.
    const auto detected = detect_keystore_type(bytes);
    if (!detected) {
        if (starts_with_text(bytes, "-----BEGIN "))
            fail_input(name + ": this is PEM text, not a keystore",
                       "a keystore is the binary file keytool or openssl pkcs12 -export writes");
        const std::string expected = type ? "a " + to_string(*type) + " keystore" : "a JKS, JCEKS or PKCS#12 keystore";
        fail_input(name + ": not " + expected + " (unknown magic bytes)");
    }
    Keystore ks = [&] {
        if (*detected != KeystoreType::pkcs12) return detail::parse_jks_family(bytes, store_password, name);
        try {
            return detail::parse_pkcs12(bytes, store_password, name);
        } catch (const Error&) {
            // Both start with a DER SEQUENCE: say which one this is instead of "malformed PKCS#12".
            if (is_certificate(bytes))
                fail_input(name + ": this is an X.509 certificate, not a keystore",
                           "to trust it, import it into a keystore: keytool -importcert -file " + name +
                               " -alias NAME -keystore STORE");
            throw;
        }
    }();
    if (type && *type != ks.type())
        ks.add_warning(name + ": --type " + to_string(*type) + " was given, but the file is a " + to_string(ks.type()) +
                       " keystore; it was read as " + to_string(ks.type()) + ", as Java reads it");
    return ks;
}

Keystore Keystore::load(const std::filesystem::path& file, const Password& store_password,
                        std::optional<KeystoreType> type) {
    const Bytes bytes = read_file(file);
    return parse(bytes, store_password, type, file.string());
}

const KeystoreEntry* Keystore::find(std::string_view alias) const {
    for (const auto& e : entries_)
        if (equals_ignore_case(e.alias, alias)) return &e;
    return nullptr;
}

std::unique_ptr<Botan::Private_Key> Keystore::private_key(std::string_view alias, const Password& key_password) const {
    const std::string where = name_ + ": alias '" + std::string(alias) + "'";
    const KeystoreEntry* e = find(alias);
    if (!e) fail_input(where + " not found");
    if (e->kind != EntryKind::private_key)
        fail_input(where + " is a " + (e->kind == EntryKind::secret_key ? "secret key" : "trusted certificate") +
                   ", not a private key entry");

    std::optional<SecureBytes> recovered;
    try {
        switch (e->protection) {
            case KeyProtection::none: recovered = e->plain_pkcs8; break;
            case KeyProtection::jks: recovered = detail::recover_jks_key(e->protected_key, key_password); break;
            case KeyProtection::jceks: recovered = detail::recover_jceks_key(e->protected_key, key_password); break;
            case KeyProtection::jceks_sealed:
            case KeyProtection::pkcs12: fail_internal("a secret key's protection on a private key entry");
        }
    } catch (const Error& err) {
        fail_input(where + ": " + err.what(), err.hint());  // the recovery's own words, placed
    }
    if (!recovered)
        fail_input(where + ": key password is wrong (or the key entry is damaged)",
                   "check the key password; it may differ from the store password");
    const SecureBytes pkcs8 = std::move(*recovered);

    try {
        Botan::DataSource_Memory src(pkcs8);
        return Botan::PKCS8::load_key(src);
    } catch (const std::exception&) {
        fail_input(where + ": the private key is not a readable PKCS#8 key");
    }
}

SecureBytes Keystore::secret_key(std::string_view alias, const Password& key_password) const {
    const std::string where = name_ + ": alias '" + std::string(alias) + "'";
    const KeystoreEntry* e = find(alias);
    if (!e) fail_input(where + " not found");
    if (e->kind != EntryKind::secret_key)
        fail_input(where + " is a " + (e->kind == EntryKind::private_key ? "private key" : "trusted certificate") +
                   ", not a secret key entry");
    if (!e->note.empty()) fail_input(where + ": " + e->note);

    std::optional<detail::SecretKeyValue> opened;
    try {
        switch (e->protection) {
            case KeyProtection::jceks_sealed: opened = detail::unseal_jceks_secret_key(e->protected_key, key_password); break;
            case KeyProtection::pkcs12: opened = detail::open_pkcs12_secret_key(e->protected_key, key_password); break;
            default: fail_internal("a secret key entry without a secret key's protection");
        }
    } catch (const Error& err) {
        if (err.kind() == ErrorKind::internal) throw;
        fail_input(where + ": " + err.what(), err.hint());  // the reader's own words, placed
    }
    if (!opened)
        fail_input(where + ": key password is wrong (or the key entry is damaged)",
                   "check the key password; it may differ from the store password");
    {
        const std::lock_guard<std::mutex> lock(*secret_fill_);
        e->secret_algorithm = opened->algorithm;
        e->secret_bits = opened->bits;
    }
    return std::move(opened->key);
}

}  // namespace ksc
