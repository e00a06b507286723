#include "ksc/config_check.hpp"

#include "ksc/aes_key.hpp"
#include "ksc/certificate.hpp"
#include "ksc/error.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/keystore.hpp"
#include "ksc/secrets_editor.hpp"
#include "ksc/text.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>

#include <algorithm>
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
    if (equals_ignore_case(name, "JKS")) return KeystoreType::jks;
    if (equals_ignore_case(name, "PKCS12")) return KeystoreType::pkcs12;
    return std::nullopt;
}

// A password as the product sees it at start-up: $env{} resolved (by the config reader),
// and a whole-value $secret{x} taken from [secrets], decrypted with the internal key when
// the tool can open it. Used to compare password and key_password by value: WSO2's own
// documentation writes them as two references ($secret{keystore_password},
// $secret{key_password}) to equal secrets.
class PasswordResolver {
public:
    PasswordResolver(const DeploymentConfig& c, const std::optional<Password>& fallback)
        : config_(c), fallback_(fallback) {}

    struct Value {
        std::optional<SecureBytes> bytes;   // nullopt: unknown
        std::string why;                    // when unknown; names placeholders only
    };

    Value resolve(const std::optional<Password>& literal, const Password& raw, const std::string& problem) {
        if (literal) return {literal->utf8(), {}};
        const std::string name = whole_secret_reference(raw.text());
        if (name.empty()) return {std::nullopt, problem};
        const auto it = config_.secrets.find(name);
        if (it == config_.secrets.end()) return {std::nullopt, "[secrets] has no '" + name + "'"};
        SecretSlot slot;
        slot.value = it->second;
        if (slot.is_plaintext()) return {slot.plaintext(), {}};
        if (!open_internal_key()) return {std::nullopt, "$secret{" + name + "} cannot be decrypted: " + key_problem_};
        try {
            return {decrypt_value(*key_->private_key, slot.value.text(), PlainDecryption{}, "secret '" + name + "'", rng_),
                    {}};
        } catch (const Error& e) {
            return {std::nullopt, e.what()};
        }
    }

private:
    // "x" when raw is exactly "$secret{x}", else "".
    static std::string whole_secret_reference(std::string_view raw) {
        constexpr std::string_view open = "$secret{";
        if (raw.size() <= open.size() + 1 || !raw.starts_with(open) || raw.back() != '}') return {};
        const std::string name(raw.substr(open.size(), raw.size() - open.size() - 1));
        return name.find('}') == std::string::npos ? name : std::string();
    }

    // The key that encrypts [secrets] (the cipher tool's: internal, falling back to primary),
    // opened with its literal password or the one given; never by prompting.
    bool open_internal_key() {
        if (key_) return true;
        if (!key_problem_.empty()) return false;
        KeySpec spec = key_spec_for_role(config_, "internal", PasswordOptions{}, {});
        if (!spec.config_password) spec.config_password = fallback_;
        if (!spec.config_password) {
            key_problem_ = "the internal keystore's password is not a literal; give --password-file";
            return false;
        }
        try {
            key_ = load_key(spec, true);
        } catch (const Error& e) {
            key_problem_ = e.what();
        }
        return key_.has_value();
    }

    const DeploymentConfig& config_;
    const std::optional<Password>& fallback_;
    Botan::AutoSeeded_RNG rng_;
    std::optional<LoadedKey> key_;
    std::string key_problem_;
};

// password and key_password must be equal as the product resolves them, not as written.
void check_passwords_equal(const KeystoreSettings& s, PasswordResolver& resolver, Checker& c) {
    if (s.password_raw == s.key_password_raw) return;   // the same text resolves the same way
    const auto pw = resolver.resolve(s.password, s.password_raw, s.password_problem);
    const auto key_pw = resolver.resolve(s.key_password, s.key_password_raw, s.key_password_problem);
    if (pw.bytes && key_pw.bytes) {
        if (*pw.bytes != *key_pw.bytes) c.error("password and key_password differ; the product requires them to be equal");
        return;
    }
    c.warning("password and key_password are written differently and could not be compared (" +
              (pw.bytes ? key_pw.why : pw.why) + "); the product requires them to be equal");
}

// Opens the keystore of one table and checks what the product needs of it.
void check_keystore(const KeystoreSettings& s, bool has_private_key, KeyUse use,
                    const std::optional<Password>& fallback, PasswordResolver& resolver, std::vector<Finding>& out) {
    Checker c{out, s.table};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(s.file, ec)) {
        c.error("keystore file " + s.file.string() + " does not exist where the product looks for it");
        return;
    }
    if (has_private_key) check_passwords_equal(s, resolver, c);

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

    std::optional<Password> pw = s.password ? s.password : fallback;
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
    for (const auto& w : ks->warnings()) c.warning(w);
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
        const Password& key_pw = s.key_password ? *s.key_password : *pw;
        ks->private_key(s.alias, key_pw);
    } catch (const Error& err) {
        c.error(err.what());
    }
}

// [encryption]: the AES key of Carbon's symmetric internal crypto. Key texts are secrets:
// findings name the field and what is wrong, never the text.
void check_encryption(const EncryptionSettings& e, std::vector<Finding>& out) {
    if (!e.present) return;
    Checker c{out, "encryption"};
    if (!e.key_written) {
        c.warning("the table has no key; the product cannot encrypt or decrypt internal data with it");
    }
    std::optional<AesKey> key, old_key;
    const auto lint = [&](const std::optional<Password>& text, const std::string& problem, bool written,
                          const char* field, std::optional<AesKey>& parsed) {
        if (!written) return;
        if (!text) {
            c.warning(std::string(field) + " cannot be checked as written (" + problem + ")");
            return;
        }
        const auto problems = aes_key_text_problems(text->text());
        for (const auto& p : problems) c.error(std::string(field) + ": " + p);
        if (!problems.empty()) return;
        parsed = parse_aes_key_text(text->text(), field);
        if (!parsed->public_default) return;
        if (std::string_view(field) == "key")
            c.error("key is the public Identity Server default key: anyone can decrypt the data it protects; make "
                    "your own (openssl rand -hex 32), keep this one as old_key and re-encrypt with ksmigrate");
        else
            c.warning("old_key is the public Identity Server default key: re-encrypt what is still under it "
                      "(ksmigrate --from old-encryption-key --to encryption-key), then remove old_key");
    };
    lint(e.key, e.key_problem, e.key_written, "key", key);
    lint(e.old_key, e.old_key_problem, e.old_key_written, "old_key", old_key);
    if (key && old_key && key->bytes == old_key->bytes)
        c.error("old_key is the same key as key: a rotation needs a new key; after re-encrypting everything "
                "under key, remove old_key");
}

}  // namespace

std::vector<Finding> check_config(const DeploymentConfig& config, const std::optional<Password>& fallback) {
    std::vector<Finding> out;
    PasswordResolver resolver(config, fallback);
    check_keystore(config.primary, true, config.internal_configured ? KeyUse::primary_signing : KeyUse::encrypts,
                   fallback, resolver, out);
    if (config.internal_configured) check_keystore(config.internal, true, KeyUse::encrypts, fallback, resolver, out);
    check_keystore(config.tls, true, KeyUse::none, fallback, resolver, out);
    check_keystore(config.truststore, false, KeyUse::none, fallback, resolver, out);
    check_encryption(config.encryption, out);

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
