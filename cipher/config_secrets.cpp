#include "ksc/config_secrets.hpp"

#include "ksc/error.hpp"

#include <botan/mem_ops.h>

#include <set>

namespace ksc {

ConfigureOutcome encrypt_plaintext_secrets(std::string_view text, std::string_view file_name,
                                           const ValueEncryptor& encryptor, Botan::RandomNumberGenerator& rng) {
    ConfigureOutcome out;
    std::vector<SecretReplacement> edits;
    for (const SecretSlot& slot : find_secret_slots(text, file_name)) {
        if (!slot.is_plaintext()) continue;
        const SecureBytes plain = slot.plaintext();
        edits.push_back({slot.begin, slot.end, encryptor.encrypt(plain, rng)});
        out.encrypted_aliases.push_back(slot.alias);
    }
    out.new_text = edits.empty() ? std::string(text) : splice_secrets(text, std::move(edits));
    return out;
}

SecretSlot find_secret(std::string_view text, std::string_view file_name, std::string_view alias) {
    for (SecretSlot& slot : find_secret_slots(text, file_name))
        if (slot.alias == alias) return std::move(slot);
    fail_input("no secret '" + std::string(alias) + "' in [secrets] of " + std::string(file_name),
               "add it as " + std::string(alias) + " = \"[value]\" under [secrets] and run kscipher configure");
}

std::string change_secret(std::string_view text, std::string_view file_name, std::string_view alias,
                          ByteView plaintext, const ValueEncryptor& encryptor,
                          Botan::RandomNumberGenerator& rng) {
    const SecretSlot slot = find_secret(text, file_name, alias);
    return splice_secrets(text, {{slot.begin, slot.end, encryptor.encrypt(plaintext, rng)}});
}

size_t VerifyOutcome::problems() const {
    size_t n = 0;
    for (const auto& c : checks) n += c.state != "ok";
    return n;
}

VerifyOutcome verify_secrets(const DeploymentConfig& config, std::string_view text,
                             const Botan::Private_Key& key, const Transformation& plain_transformation,
                             Botan::RandomNumberGenerator& rng) {
    VerifyOutcome out;
    for (const SecretSlot& slot : find_secret_slots(text, config.file.filename().string())) {
        if (slot.is_plaintext()) {
            out.checks.push_back({slot.alias, "plaintext", "line " + std::to_string(slot.line) +
                                                               ": still plaintext; run kscipher configure"});
            continue;
        }
        try {
            decrypt_value(key, slot.value, plain_transformation, "secret '" + slot.alias + "'", rng);
            out.checks.push_back({slot.alias, "ok", ""});
        } catch (const Error& e) {
            out.checks.push_back({slot.alias, "undecryptable", e.what()});
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
