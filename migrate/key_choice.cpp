#include "key_choice.hpp"

#include "ksc/text.hpp"

#include <algorithm>

namespace ksc::detail {
namespace {

enum class Role { primary, internal, encryption_key, old_encryption_key };

bool is_aes_role(const std::string& role) { return role == "encryption-key" || role == "old-encryption-key"; }

Role parse_role(const std::string& name) {
    if (name == "primary") return Role::primary;
    if (name == "internal") return Role::internal;
    if (name == "encryption-key") return Role::encryption_key;
    if (name == "old-encryption-key") return Role::old_encryption_key;
    fail_usage("unknown key role '" + name + "'", "use primary, internal, encryption-key or old-encryption-key");
}

std::string option(const KeySideOptions& o, const char* name) { return o.password.option_prefix + name; }
std::string role_option(const KeySideOptions& o) {   // "--from" / "--to"
    std::string p = o.password.option_prefix;
    return p.substr(0, p.size() - 1);
}

// The side's role: as given, else what its explicit key stands for, else the default.
Role role_of(const KeySideOptions& o, Role fallback) {
    const bool rsa_given = !o.keystore.empty();
    if (rsa_given && o.aes.given())
        fail_usage(option(o, "keystore") + " and " + option(o, "encryption-key-file/-env") + " exclude each other");
    if (o.role.empty()) return o.aes.given() ? Role::encryption_key : fallback;
    const Role r = parse_role(o.role);
    if (is_aes_role(o.role) && rsa_given)
        fail_usage(role_option(o) + " " + o.role + " is an AES key, but " + option(o, "keystore") + " names an RSA key",
                   "give the AES key with " + option(o, "encryption-key-file") + ", or leave out " + role_option(o));
    if (!is_aes_role(o.role) && o.aes.given())
        fail_usage(role_option(o) + " " + o.role + " is a keystore key, but " + option(o, "encryption-key-file/-env") +
                       " gives an AES key",
                   "use " + role_option(o) + " encryption-key (or old-encryption-key) with an AES key");
    return r;
}

const char* role_name(Role r) {
    switch (r) {
        case Role::primary: return "primary";
        case Role::internal: return "internal";
        case Role::encryption_key: return "encryption-key";
        case Role::old_encryption_key: return "old-encryption-key";
    }
    return "internal";
}

const DeploymentConfig& need_config(const std::optional<DeploymentConfig>& cfg, const KeySideOptions& o,
                                    const char* side) {
    if (!cfg)
        fail_usage(std::string("no deployment.toml found for the ") + side + " key",
                   "give --home/--config, or " + option(o, "keystore") + " with its alias (an AES key: " +
                       option(o, "encryption-key-file") + ")");
    return *cfg;
}

// [encryption] key, or old_key, as the product reads them.
AesKey config_key(const DeploymentConfig& cfg, bool old, const std::string& option_prefix = "--") {
    std::vector<AesKey> keys = config_aes_keys(cfg, old, option_prefix);
    if (!old) return std::move(keys.front());
    if (keys.size() < 2)
        fail_usage("no [encryption] old_key in " + cfg.file.string(),
                   "for a key rotation put the key the data is under now in old_key and the new key in key");
    return std::move(keys[1]);
}

void load_side(const KeySideOptions& o, Role role, const std::optional<DeploymentConfig>& cfg, const char* side,
               std::optional<LoadedKey>& rsa, std::optional<AesKey>& aes) {
    if (o.aes.given()) {
        aes = explicit_aes_key(o.aes);
    } else if (!o.keystore.empty()) {
        rsa = load_key(explicit_key_spec(o.keystore, o.alias, o.type, o.password, o.key_password_file), true);
    } else if (role == Role::encryption_key || role == Role::old_encryption_key) {
        aes = config_key(need_config(cfg, o, side), role == Role::old_encryption_key, o.aes.option_prefix);
    } else {
        rsa = load_key(key_spec_for_role(need_config(cfg, o, side), role_name(role), o.password, o.key_password_file), true);
    }
}

// What deployment.toml must say for the product to load `k` as its internal key.
std::string internal_table_for(const LoadedKey& k) {
    return "put the target key in deployment.toml first, so the product loads it:\n"
           "    [keystore.internal]\n"
           "    file_name = \"" + k.file.string() + "\"\n"
           "    type = \"" + to_string(k.type) + "\"\n"
           "    alias = \"" + k.alias + "\"\n"
           "    password = \"...\"        # and key_password, equal to it\n"
           "    key_password = \"...\"";
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
    std::error_code ec;
    return std::filesystem::equivalent(a, b, ec) || a.lexically_normal() == b.lexically_normal();
}

// An RSA target that is not deployment.toml's effective internal key would move the
// data to a key the server never loads: the product could read none of it.
std::string rsa_product_key_mismatch(const LoadedKey& target, const DeploymentConfig& cfg) {
    const KeySpec product = key_spec_for_role(cfg, "internal", {}, {});
    if (same_file(product.keystore, target.file) && equals_ignore_case(product.alias, target.alias)) return {};
    // Another file may hold the same key (a JKS copy of the PKCS#12 the product loads):
    // same certificate, same key. Looked at only when deployment.toml holds the store
    // password itself, so this check never prompts.
    if (product.config_password) {
        try {
            if (load_key(product, false).facts.thumbprint_sha1 == target.facts.thumbprint_sha1) return {};
        } catch (const Error&) {
            // unreadable: the product could not load it either; reported as not the same key
        }
    }
    return "the target key (" + target.describe() + ") is not the key the product will use: deployment.toml's " +
           (cfg.internal_configured ? std::string("[keystore.internal]")
                                    : std::string("internal key (no [keystore.internal], so the primary keystore)")) +
           " is alias '" + product.alias + "' in " + product.keystore.string();
}

// An AES target must be [encryption] key: the product encrypts with it, and reads
// old_key only for values whose keyId is not key's.
std::string aes_product_key_mismatch(const AesKey& target, Role role, const DeploymentConfig& cfg) {
    if (role == Role::old_encryption_key)
        return "the target key is [encryption] old_key: the product encrypts with [encryption] key, and reads old_key "
               "only while it is set";
    if (!cfg.encryption.key_written)
        return "deployment.toml has no [encryption] key, so the product would not use the target key (" +
               target.describe() + ")";
    try {
        const AesKey product = config_key(cfg, false);
        if (product.id == target.id) return {};
        return "the target key (" + target.describe() + ") is not the key the product will use: deployment.toml's " +
               "[encryption] key has keyId " + product.id;
    } catch (const Error&) {
        return "deployment.toml's [encryption] key cannot be used as written, so the product would not use the target key";
    }
}

}  // namespace

bool KeySideOptions::is_aes() const { return aes.given() || is_aes_role(role); }

KeySideOptions key_side_options(const char* prefix) {
    KeySideOptions k;
    k.password.option_prefix = prefix;
    k.aes.option_prefix = prefix;
    return k;
}

MigrationKeys ChosenKeys::keys() const {
    MigrationKeys k;
    if (source_rsa) k.source = &*source_rsa;
    if (source_aes) k.source = &*source_aes;
    if (target_rsa) k.target = &*target_rsa;
    if (target_aes) k.target = &*target_aes;
    k.raw_aes = raw_aes;
    return k;
}

ChosenKeys choose_keys(const KeySideOptions& from, const KeySideOptions& to, const std::optional<DeploymentConfig>& cfg,
                       bool allow_default_key, bool defer_refusal) {
    const Role from_role = role_of(from, Role::primary);
    const Role to_role = role_of(to, Role::internal);
    const bool to_explicit = !to.keystore.empty() || to.aes.given();
    if (to_role == Role::internal && !to_explicit && !from.is_aes() &&
        !need_config(cfg, to, "target").internal_configured)
        fail_refused("deployment.toml has no separate [keystore.internal]: the target key would be the source key",
                     "add [keystore.internal] with the new keystore's file_name, type, alias and passwords, or "
                     "give --to-keystore and --to-alias");
    ChosenKeys k;
    load_side(from, from_role, cfg, "source", k.source_rsa, k.source_aes);
    load_side(to, to_role, cfg, "target", k.target_rsa, k.target_aes);

    // The keystores' own warnings, once each (source and target may be one file).
    for (const auto* key : {&k.source_rsa, &k.target_rsa})
        if (*key)
            for (const auto& w : (*key)->warnings)
                if (std::find(k.warnings.begin(), k.warnings.end(), w) == k.warnings.end()) k.warnings.push_back(w);

    if (cfg && k.target_rsa && (to_explicit || to_role != Role::internal)) {
        k.not_product_key = rsa_product_key_mismatch(*k.target_rsa, *cfg);
        k.product_key_hint = internal_table_for(*k.target_rsa);
    }
    if (cfg && k.target_aes && (to_explicit || to_role != Role::encryption_key)) {
        k.not_product_key = aes_product_key_mismatch(*k.target_aes, to_role, *cfg);
        k.product_key_hint = "put the target key in [encryption] key of deployment.toml first (and the key the data "
                             "is under now in old_key), so the product uses it";
    }

    const MigrationKeys pair = k.keys();
    try {
        if (k.target_rsa)
            for (const auto& w : check_can_encrypt(*k.target_rsa)) k.warnings.push_back(w);
        if (k.target_aes && k.target_aes->public_default && !allow_default_key)
            fail_refused("the target key is the Identity Server default key published in WSO2's documentation: "
                         "anyone could decrypt the migrated data",
                         "make a new key (openssl rand -hex 32) for [encryption] key, or give --allow-default-key "
                         "to use the public one anyway");
        if (pair.source.id() == pair.target.id())
            fail_refused("the target key is the source key (" + pair.target.describe() + ")",
                         k.target_aes ? std::string("a rotation needs a new [encryption] key, with the current one in "
                                                    "old_key")
                                      : std::string("a migration needs a different target key: check "
                                                    "[keystore.internal] or --to-keystore"));
    } catch (const Error& e) {
        if (!defer_refusal || e.kind() != ErrorKind::refused) throw;
        k.refusal = e;
        return k;
    }
    // The source key too: a damaged source private key would otherwise make every
    // value look "undecryptable" instead of naming the keystore.
    if (k.target_rsa) check_key_matches_certificate(*k.target_rsa);
    if (k.source_rsa) check_key_matches_certificate(*k.source_rsa);
    if (k.source_rsa && k.source_rsa->facts.expired())
        k.notes.push_back("the source certificate expired on " + k.source_rsa->facts.not_after +
                          "; its data still decrypts, which is what this migration needs");
    return k;
}

}  // namespace ksc::detail
