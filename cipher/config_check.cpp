#include "ksc/config_check.hpp"

#include "ksc/certificate.hpp"
#include "ksc/error.hpp"
#include "ksc/keystore.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace ksc {

namespace {

struct Checker {
    std::vector<Finding>& out;
    const std::string table;
    void error(const std::string& m) { out.push_back({"error", table, m}); }
    void warning(const std::string& m) { out.push_back({"warning", table, m}); }
    void note(const std::string& m) { out.push_back({"note", table, m}); }
};

// What the key of a table is used for, which decides how strict the checks are.
enum class KeyUse {
    none,               // truststore, tls: no encryption
    primary_signing,    // primary beside a separate internal keystore: the product
                        // documentation still requires Data Encipherment of it, and
                        // data encrypted before internal was configured may be under it
    encrypts,           // internal, or primary without a separate internal
};

// The `type` values the product reads. JCEKS, P12 and "PKCS#12" are names our own
// keystore reader accepts, but the server does not: check must not pass them.
std::optional<KeystoreType> product_keystore_type(std::string_view name) {
    const auto is = [&](std::string_view want) {
        return name.size() == want.size() && std::equal(name.begin(), name.end(), want.begin(), [](char a, char b) {
                   return std::toupper(static_cast<unsigned char>(a)) == b;
               });
    };
    if (is("JKS")) return KeystoreType::jks;
    if (is("PKCS12")) return KeystoreType::pkcs12;
    return std::nullopt;
}

// Opens the keystore of one table and checks what the product needs of it.
void check_keystore(const KeystoreSettings& s, bool has_private_key, KeyUse use,
                    const std::optional<Password>& fallback, std::vector<Finding>& out) {
    Checker c{out, s.table};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(s.file, ec)) {
        c.error("keystore file " + s.file.string() + " does not exist where the product looks for it");
        return;
    }
    if (has_private_key && s.password_raw != s.key_password_raw)
        c.error("password and key_password differ; the product requires them to be equal");

    const std::optional<KeystoreType> declared = product_keystore_type(s.type);
    if (!declared) c.error("type '" + s.type + "' is not one the product reads (JKS or PKCS12)");
    Bytes bytes;
    try {
        bytes = read_file(s.file);
    } catch (const Error& e) {
        c.error(e.what());
        return;
    }
    const auto actual = detect_keystore_type(bytes);
    if (!actual) {
        c.error(s.file.string() + " is not a JKS, JCEKS or PKCS#12 keystore");
        return;
    }
    if (declared && *declared != *actual)
        c.error("type is " + s.type + " but " + s.file.filename().string() + " is a " + to_string(*actual) +
                " keystore");

    std::optional<Password> pw = s.password ? std::optional<Password>(Password(*s.password)) : fallback;
    if (!pw) {
        // The raw value may hold secret text around the placeholder: name only the placeholder.
        const std::string why = s.password_problem.empty() ? "not a literal" : s.password_problem;
        c.warning("password cannot be used as written (" + why +
                  "); give --password-file to check the keystore's contents");
        return;
    }
    std::optional<Keystore> ks;
    try {
        ks = Keystore::parse(bytes, *pw, actual, s.file.string());
    } catch (const Error& e) {
        c.error(e.what());
        return;
    }
    if (!has_private_key) return;

    const KeystoreEntry* e = ks->find(s.alias);
    if (!e) {
        c.error("alias '" + s.alias + "' is not in " + s.file.filename().string());
        return;
    }
    if (e->kind != EntryKind::private_key || e->chain.empty()) {
        c.error("alias '" + s.alias + "' is a " + to_string(e->kind) + ", not a private key entry");
        return;
    }
    const CertificateFacts f = describe_certificate(e->chain.front());
    if (f.expired()) c.warning("certificate of '" + s.alias + "' expired on " + f.not_after);
    if (use == KeyUse::primary_signing && !f.data_encipherment)
        c.warning("certificate of '" + s.alias + "' has a KeyUsage without Data Encipherment; the product "
                  "documentation requires it for the primary keystore, and data encrypted before "
                  "[keystore.internal] was configured may still be under this key");
    if (use != KeyUse::encrypts) return;
    if (f.key_algorithm != "RSA")
        c.error("key of '" + s.alias + "' is " + f.key_algorithm + "; the product encrypts only with RSA keys");
    if (!f.data_encipherment)
        c.error("certificate of '" + s.alias + "' has a KeyUsage without Data Encipherment; encryption will "
                "fail with \"Wrong key usage\"");
    try {
        const Password key_pw = s.key_password ? Password(*s.key_password) : *pw;
        ks->private_key(s.alias, key_pw);
    } catch (const Error& err) {
        c.error(err.what());
    }
}

}  // namespace

std::vector<Finding> check_config(const DeploymentConfig& config, const std::optional<Password>& fallback) {
    std::vector<Finding> out;
    check_keystore(config.primary, true, config.internal_configured ? KeyUse::primary_signing : KeyUse::encrypts,
                   fallback, out);
    if (config.internal_configured) check_keystore(config.internal, true, KeyUse::encrypts, fallback, out);
    check_keystore(config.tls, true, KeyUse::none, fallback, out);
    check_keystore(config.truststore, false, KeyUse::none, fallback, out);

    if (!config.internal_configured) {
        out.push_back({"note", "keystore.internal",
                       "no separate internal keystore: internal data and config secrets are encrypted with the "
                       "primary keystore's key"});
    } else if (config.internal.file == config.primary.file && config.internal.alias == config.primary.alias) {
        out.push_back({"note", "keystore.internal", "the internal keystore is the same key as the primary one"});
    }
    return out;
}

}  // namespace ksc
