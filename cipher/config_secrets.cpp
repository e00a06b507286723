#include "ksc/config_secrets.hpp"

#include "ksc/error.hpp"

#include <set>

namespace ksc {

namespace {

// One pass over [secrets] for every way of sealing a value.
ConfigureOutcome encrypt_slots(const DeploymentConfig& config, const std::function<std::string(ByteView)>& seal) {
    ConfigureOutcome out;
    std::vector<SecretReplacement> edits;
    for (const SecretSlot& slot : config.slots) {
        if (!slot.is_plaintext()) continue;
        const SecureBytes plain = slot.plaintext();
        edits.push_back({slot.begin, slot.end, seal(plain)});
        out.encrypted_aliases.push_back(slot.alias);
    }
    out.new_text = edits.empty() ? config.text : splice_secrets(config.text.text(), std::move(edits));
    return out;
}

}  // namespace

ConfigureOutcome encrypt_plaintext_secrets(const DeploymentConfig& config, const ValueEncryptor& encryptor,
                                           Botan::RandomNumberGenerator& rng) {
    return encrypt_slots(config, [&](ByteView plain) { return encryptor.encrypt(plain, rng); });
}

ConfigureOutcome encrypt_plaintext_secrets(const DeploymentConfig& config, CipherSuite& suite, const SealSpec& how) {
    return encrypt_slots(config, [&](ByteView plain) { return suite.seal(plain, how); });
}

std::vector<std::string> odd_secret_warnings(const std::vector<SecretSlot>& slots, std::string_view file_name) {
    std::vector<std::string> out;
    for (const SecretSlot& slot : slots) {
        if (slot.is_plaintext()) continue;
        // No key here: any plausible block length counts as ciphertext (modulus unknown).
        const ParsedCiphertext parsed = parse_ciphertext(slot.value.text());
        if (parsed.format != CiphertextFormat::not_ciphertext) continue;
        out.push_back("secret '" + slot.alias + "' (" + std::string(file_name) + " line " +
                      std::to_string(slot.line) + ") is neither \"[plaintext]\" nor ciphertext (" + parsed.reason +
                      "): configure leaves it and the product cannot decrypt it; write it as " + slot.alias +
                      " = \"[value]\" to have it encrypted");
    }
    return out;
}

const SecretSlot& find_secret(const DeploymentConfig& config, std::string_view alias) {
    for (const SecretSlot& slot : config.slots)
        if (slot.alias == alias) return slot;
    fail_input("no secret '" + std::string(alias) + "' in [secrets] of " + config.file.filename().string(),
               "add it as " + std::string(alias) + " = \"[value]\" under [secrets] and run kscipher configure");
}

Password change_secret(const DeploymentConfig& config, std::string_view alias, ByteView plaintext,
                       const ValueEncryptor& encryptor, Botan::RandomNumberGenerator& rng) {
    const SecretSlot& slot = find_secret(config, alias);
    return splice_secrets(config.text.text(), {{slot.begin, slot.end, encryptor.encrypt(plaintext, rng)}});
}

// The one body of verify: `plain` and `rng` (RSA) also let it look under `previous`.
VerifyOutcome verify_secrets(const DeploymentConfig& config, const SecretOpener& open, const PreviousKey* previous,
                             const PlainDecryption* plain, Botan::RandomNumberGenerator* rng);

size_t VerifyOutcome::problems() const {
    size_t n = 0;
    for (const auto& c : checks) n += c.state != "ok";
    return n;
}

VerifyOutcome verify_secrets(const DeploymentConfig& config, const Botan::Private_Key& key,
                             const PlainDecryption& plain, Botan::RandomNumberGenerator& rng,
                             const PreviousKey* previous) {
    return verify_secrets(
        config, [&](std::string_view value, const std::string& what) { decrypt_value(key, value, plain, what, rng); },
        previous, &plain, &rng);
}

VerifyOutcome verify_secrets(const DeploymentConfig& config, const SecretOpener& open, const PreviousKey* previous) {
    return verify_secrets(config, open, previous, nullptr, nullptr);
}

VerifyOutcome verify_secrets(const DeploymentConfig& config, const SecretOpener& open, const PreviousKey* previous,
                             const PlainDecryption* plain, Botan::RandomNumberGenerator* rng) {
    VerifyOutcome out;
    for (const SecretSlot& slot : config.slots) {
        if (slot.is_plaintext()) {
            out.checks.push_back({slot.alias, "plaintext", "line " + std::to_string(slot.line) +
                                                               ": still plaintext; run kscipher configure"});
            continue;
        }
        const std::string what = "secret '" + slot.alias + "'";
        try {
            open(slot.value.text(), what);
            out.checks.push_back({slot.alias, "ok", ""});
            continue;
        } catch (const Error& e) {
            out.checks.push_back({slot.alias, "undecryptable", e.what()});
        }
        // Not under the internal key: still under the primary one, as before a separate
        // [keystore.internal] was configured? Then it is waiting for the migration.
        const LoadedKey* old_key = previous && previous->get && plain && rng ? previous->get() : nullptr;
        if (!old_key || !old_key->private_key) continue;
        try {
            decrypt_value(*old_key->private_key, slot.value.text(), *plain, what, *rng);
            out.checks.back() = {slot.alias, "primary_key",
                                 "still under the primary key (alias '" + old_key->alias + "' in " +
                                     old_key->file.filename().string() +
                                     "), not the internal one the product now decrypts it with; ksmigrate run "
                                     "moves it (ksmigrate plan first shows what it will do)"};
        } catch (const Error&) {
            // Under neither key: the first message stands.
        }
    }
    // A reference to a secret that exists was already judged above (ok, plaintext or
    // undecryptable); what is left is a name [secrets] does not have at all.
    std::set<std::string> reported;
    for (const std::string& ref : config.secret_references) {
        if (config.secrets.count(ref) || !reported.insert(ref).second) continue;
        out.checks.push_back({ref, "unresolved_reference",
                              "$secret{" + ref + "} is used but [secrets] has no '" + ref +
                                  "': the server will not start"});
    }
    return out;
}

}  // namespace ksc
