#include "ksc/key_selection.hpp"

#include "ksc/error.hpp"
#include "ksc/rsa_cipher.hpp"
#include "ksc/text.hpp"

#include <botan/auto_rng.h>

#include <algorithm>

namespace ksc {

KeySpec explicit_key_spec(const std::string& keystore, const std::string& alias, const std::string& type,
                          const PasswordOptions& password, const std::filesystem::path& key_password_file) {
    const std::string& p = password.option_prefix;
    if (alias.empty()) fail_usage(p + "keystore needs " + p + "alias");
    KeySpec spec;
    spec.keystore = keystore;
    if (!type.empty()) spec.type = parse_keystore_type(type);
    spec.alias = alias;
    spec.password = password;
    spec.key_password_file = key_password_file;
    spec.origin = p + "keystore";
    return spec;
}

KeySpec key_spec_for_role(const DeploymentConfig& config, std::string_view role,
                          const PasswordOptions& password, const std::filesystem::path& key_password_file) {
    const KeystoreSettings* s = nullptr;
    if (role == "internal") s = &config.internal;
    else if (role == "primary") s = &config.primary;
    else fail_usage("unknown role '" + std::string(role) + "'", "use --role internal or --role primary");

    KeySpec spec;
    spec.keystore = s->file;
    spec.type = parse_keystore_type(s->type);
    spec.alias = s->alias;
    spec.password = password;
    spec.key_password_file = key_password_file;
    spec.config_password = s->password;
    spec.config_key_password = s->key_password;
    spec.origin = "[" + s->table + "] of " + config.file.string();
    return spec;
}

std::string LoadedKey::describe() const {
    return "alias '" + alias + "' in " + file.string() + " (thumbprint " + facts.thumbprint_sha1 + ")";
}

LoadedKey load_key(const KeySpec& spec, bool need_private_key) {
    const std::string what = "store password of " + spec.keystore.filename().string();
    const Password store_pw = resolve_password(spec.password, spec.config_password, what);
    const Keystore ks = Keystore::load(spec.keystore, store_pw, spec.type);

    const KeystoreEntry* e = ks.find(spec.alias);
    if (!e) {
        std::string present;
        size_t listed = 0;
        for (const auto& other : ks.entries()) {
            if (other.kind != EntryKind::private_key) continue;
            present += (listed++ ? ", " : "") + other.alias;
        }
        fail_input("alias '" + spec.alias + "' not found in " + spec.keystore.string(),
                   present.empty() ? "the keystore holds no private key entry"
                                   : "private key entries there: " + present);
    }
    // A damaged or hand-edited store can hold the same alias twice. Java keeps the last
    // entry (the one listed); the alias may also differ only in case from another one,
    // which Java's lookup would resolve differently from ours. Encrypting with a guess
    // could write data the product cannot read: refuse instead.
    {
        size_t same = e->occurrences;
        for (const auto& other : ks.entries())
            if (&other != e && equals_ignore_case(other.alias, e->alias)) same += other.occurrences;
        if (same > 1)
            fail_input("alias '" + spec.alias + "' appears " + std::to_string(same) + " times in " +
                           spec.keystore.string() + " (damaged or hand-edited keystore)",
                       "rebuild the keystore with keytool so each alias is unique");
    }
    if (e->kind != EntryKind::private_key || e->chain.empty())
        fail_input("alias '" + spec.alias + "' in " + spec.keystore.string() + " is a " +
                   to_string(e->kind) + ", not a private key entry");

    LoadedKey key{spec.keystore, e->alias, ks.type(), e->chain.front(),
                  describe_certificate(e->chain.front()), nullptr, ks.warnings()};
    if (need_private_key) {
        // Key password: its own file, else key_password of deployment.toml, else the store password.
        Password key_pw = !spec.key_password_file.empty() ? read_password_file(spec.key_password_file)
                          : spec.config_key_password      ? *spec.config_key_password
                                                          : store_pw;
        key.private_key = ks.private_key(e->alias, key_pw);
    }
    return key;
}

AesKey load_secret_key(const KeySpec& spec) {
    const std::string what = "store password of " + spec.keystore.filename().string();
    const Password store_pw = resolve_password(spec.password, spec.config_password, what);
    const Keystore ks = Keystore::load(spec.keystore, store_pw, spec.type);
    const KeystoreEntry* e = ks.find(spec.alias);
    const std::string where = "alias '" + spec.alias + "' in " + spec.keystore.string();
    if (!e || e->kind != EntryKind::secret_key) {
        std::string present;
        for (const auto& other : ks.entries())
            if (other.kind == EntryKind::secret_key) present += (present.empty() ? "" : ", ") + other.alias;
        fail_input(e ? where + " is a " + to_string(e->kind) + ", not a secret-key entry" : where + " not found",
                   present.empty() ? "the keystore holds no secret key; make one with keytool -genseckey -keyalg AES "
                                     "-keysize 256 -storetype PKCS12"
                                   : "secret-key entries there: " + present);
    }
    // Key password as for private keys: its own file, else deployment.toml's, else the store password.
    const Password key_pw = !spec.key_password_file.empty() ? read_password_file(spec.key_password_file)
                            : spec.config_key_password      ? *spec.config_key_password
                                                            : store_pw;
    SecureBytes bytes = ks.secret_key(e->alias, key_pw);
    if (!equals_ignore_case(e->secret_algorithm, "AES"))
        fail_input(where + " is a " + (e->secret_algorithm.empty() ? std::string("non-AES") : e->secret_algorithm) +
                   " key; the cipher tool's symmetric mode needs an AES key");
    return aes_key_from_bytes(std::move(bytes), where);
}

std::vector<std::string> check_can_encrypt(const LoadedKey& key) {
    const std::string where = "alias '" + key.alias + "' in " + key.file.string();
    if (key.facts.key_algorithm != "RSA")
        fail_refused("refusing to encrypt: the key of " + where + " is " + key.facts.key_algorithm +
                         ", and WSO2 encrypts only with RSA keys",
                     "make an RSA key: keytool -genkeypair -keyalg RSA -keysize 2048 "
                     "-ext KeyUsage=digitalSignature,keyEncipherment,dataEncipherment ...");
    if (!key.facts.data_encipherment)
        fail_refused("refusing to encrypt: the certificate of " + where +
                         " has a KeyUsage without Data Encipherment (the product would fail with "
                         "\"Wrong key usage\" and the data would be stuck)",
                     "make a key that allows it: keytool -genkeypair -keyalg RSA -keysize 2048 "
                     "-ext KeyUsage=digitalSignature,keyEncipherment,dataEncipherment ...");
    std::vector<std::string> warnings;
    if (key.facts.expired())
        warnings.push_back("the certificate of " + where + " expired on " + key.facts.not_after +
                           "; encrypting new data to it still works but renew it soon");
    return warnings;
}

void check_key_matches_certificate(const LoadedKey& key) {
    if (!key.private_key) fail_internal("private key not loaded for " + key.describe());
    Botan::AutoSeeded_RNG rng;
    const auto pub = key.certificate.load_subject_public_key();
    const Transformation t = Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding");
    const Bytes probe = {'k', 's', 'c', '-', 'p', 'r', 'o', 'b', 'e'};
    const Bytes block = RsaEncryptor(*pub, t).encrypt(probe, rng);
    const auto back = RsaDecryptor(*key.private_key, t.padding, rng).try_decrypt(block);
    if (!back || Bytes(back->begin(), back->end()) != probe)
        fail_input("the private key of " + key.describe() + " does not match its certificate",
                     "data encrypted for this certificate could never be decrypted: fix the keystore first");
}

}  // namespace ksc
