// kscipher: encrypts WSO2 config secrets with the internal keystore, and inspects
// keystores. Thin on purpose: options, password sources, output; the work is in
// the library. Commands, exit codes and choices: README.md.
#include "ksc/aes_key_source.hpp"
#include "ksc/cipher_suite.hpp"
#include "ksc/cli_parse.hpp"
#include "ksc/cli_support.hpp"
#include "ksc/config_check.hpp"
#include "ksc/config_secrets.hpp"
#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/inspect_report.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/keystore.hpp"
#include "ksc/password_source.hpp"
#include "ksc/symmetric_crypto.hpp"
#include "ksc/text.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

using namespace ksc;

namespace {

constexpr const char* program = "kscipher";

struct Options {
    std::string home, config;
    PasswordOptions password;
    std::string key_password_file;
    std::string keystore, alias, type;
    std::string role = "internal";
    // Empty: encrypt writes "RSA" (the Java cipher tool's default); decrypt and verify try
    // every padding on a plain value.
    std::string transformation;
    std::string format = "plain";
    bool json = false;
    bool dry_run = false;
    bool backup = false;
    std::string inspect_file;
    std::string change_alias;
    AesKeyOptions aes;       // --encryption-key-file / --encryption-key-env
    bool symmetric = false;  // encrypt/configure: AES instead of RSA
};

void add_password_options(CLI::App* cmd, Options& o) {
    cmd->add_option("--password-file", o.password.file, "keystore password: first line of FILE");
    cmd->add_option("--password-env", o.password.env, "keystore password: environment variable NAME");
    cmd->add_flag("--password-stdin", o.password.from_stdin, "keystore password: first line of standard input");
    cmd->add_option("--key-password-file", o.key_password_file, "JKS key password when it differs from the store's");
}

void add_home_options(CLI::App* cmd, Options& o) {
    cmd->add_option("--home", o.home, "product home (default: $CARBON_HOME, else the current folder)");
    cmd->add_option("--config", o.config, "deployment.toml (default: HOME/repository/conf/deployment.toml)");
}

void add_key_options(CLI::App* cmd, Options& o) {
    add_home_options(cmd, o);
    add_password_options(cmd, o);
    cmd->add_option("--role", o.role, "internal (default, falls back to primary as the product does) or primary")
        ->check(CLI::IsMember({"internal", "primary"}));
    auto* ks = cmd->add_option("--keystore", o.keystore, "explicit keystore instead of deployment.toml");
    cmd->add_option("--alias", o.alias, "alias of the key in --keystore")->needs(ks);
    cmd->add_option("--type", o.type, "JKS, PKCS12 or JCEKS (default: detected)")->needs(ks);
    cmd->add_option("--transformation", o.transformation,
                    "JCE transformation; encrypting: default RSA; decrypting a plain value: default OAEP-SHA1, "
                    "OAEP-SHA256, then PKCS#1 v1.5; RSA/ECB/NoPadding (Carbon 4.4) on request");
}

void add_aes_key_options(CLI::App* cmd, Options& o) {
    cmd->add_option("--encryption-key-file", o.aes.file,
                    "AES key: first line of FILE (64 or 48 hex characters, or 16/24/32 raw characters); default: "
                    "[encryption] key of deployment.toml");
    cmd->add_option("--encryption-key-env", o.aes.env, "AES key: environment variable NAME");
}

// deployment.toml, read and parsed at most once per command, when something first needs
// it: the key of a role, the [encryption] keys, the [secrets] to edit or check.
class Config {
public:
    explicit Config(const Options& o) : o_(o) {}
    const DeploymentConfig& get() {
        if (!loaded_) {
            const auto home = resolve_home(o_.home);
            loaded_ = DeploymentConfig::load(resolve_config(o_.config, home), home);
        }
        return *loaded_;
    }

private:
    const Options& o_;
    std::optional<DeploymentConfig> loaded_;
};

KeySpec key_spec(const Options& o, Config& config) {
    if (!o.keystore.empty()) return explicit_key_spec(o.keystore, o.alias, o.type, o.password, o.key_password_file);
    return key_spec_for_role(config.get(), o.role, o.password, o.key_password_file);
}

// The AES keys for a format 3 or raw value: the explicit key, else [encryption] key and
// old_key. No keystore is opened for them.
std::vector<AesKey> symmetric_keys(const Options& o, Config& config) {
    if (auto k = explicit_aes_key(o.aes)) return {std::move(*k)};
    return config_aes_keys(config.get(), true);
}

// The key that encrypts, refused when it cannot do the job (exit 4).
LoadedKey encryption_key(const Options& o, Config& config) {
    LoadedKey key = load_key(key_spec(o, config), false);
    for (const auto& w : key.warnings) print_warning(program, w);
    for (const auto& w : check_can_encrypt(key)) print_warning(program, w);
    return key;
}

// What is written: parsed before any file, keystore or password is touched, so a
// typo in --format or --transformation is a usage error (exit 2) on every path,
// configure --dry-run and "nothing to encrypt" included.
struct Encoding {
    Transformation transformation;
    OutputFormat format;
};
Encoding parse_encoding(const Options& o) {
    return {Transformation::parse(o.transformation.empty() ? "RSA" : o.transformation),
            parse_output_format(o.format)};
}

ValueEncryptor make_encryptor(const LoadedKey& key, const Encoding& e) {
    return ValueEncryptor(*key.certificate.load_subject_public_key(), key.facts.thumbprint_sha1, e.transformation,
                          e.format);
}

// A prompt only when standard input is a terminal nobody else reads from.
bool prompt_on_terminal(const Options& o) { return stdin_is_terminal() && !o.password.from_stdin; }

// All of standard input (at most 1 MiB) with one trailing newline removed.
SecureBytes read_all_stdin() {
    SecureBytes value;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0) {
        value.insert(value.end(), buf, buf + n);
        if (value.size() > (1u << 20)) fail_input("the value on standard input is larger than 1 MiB");
    }
    if (!value.empty() && value.back() == '\n') value.pop_back();
    Botan::secure_scrub_memory(buf, sizeof buf);
    return value;
}

// The value to encrypt: prompted twice on a terminal (a typo would be encrypted
// unseen), else all of standard input with one trailing newline removed.
SecureBytes read_secret_value(const Options& o) {
    if (prompt_on_terminal(o)) {
        auto first = prompt_password("Value to encrypt");
        auto second = prompt_password("Repeat the value");
        if (!first || !second) fail_usage("no terminal to prompt for the value; pipe it on standard input");
        if (!(*first == *second)) fail_usage("the two values differ; nothing was encrypted");
        return first->utf8();
    }
    return read_all_stdin();
}

// The ciphertext to decrypt: one prompt on a terminal (a typo just fails to decrypt,
// so there is nothing to confirm), else all of standard input.
SecureBytes read_ciphertext(const Options& o) {
    if (prompt_on_terminal(o)) {
        auto value = prompt_password("Ciphertext to decrypt");
        if (!value) fail_usage("no terminal to prompt for the ciphertext; pipe it on standard input");
        return value->utf8();
    }
    return read_all_stdin();
}

std::filesystem::path backup_path(const std::filesystem::path& file, bool wanted) {
    return wanted ? std::filesystem::path(file.string() + ".bak") : std::filesystem::path{};
}

int cmd_inspect(const Options& o) {
    const std::filesystem::path file = o.inspect_file;
    std::optional<KeystoreType> type;
    if (!o.type.empty()) type = parse_keystore_type(o.type);
    const Password pw = resolve_password(o.password, std::nullopt, "store password of " + file.filename().string());
    const Keystore ks = Keystore::load(file, pw, type);
    InspectOptions options;
    if (!o.alias.empty()) options.alias = o.alias;
    // Opens JKS/JCEKS keys stored without a certificate, to show their algorithm and size.
    options.key_password = !o.key_password_file.empty() ? read_password_file(o.key_password_file) : pw;
    for (const auto& w : ks.warnings()) print_warning(program, w);
    if (o.json)
        std::cout << inspect_json(ks, file.string(), options).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
    else std::cout << inspect_text(ks, file.string(), options);
    return exit_code::ok;
}

// encrypt --symmetric: format 4 with the secret-key entry --keystore/--alias names, else
// format 3 with the explicit key or [encryption] key (never old_key: the product writes with key).
int cmd_encrypt_symmetric(const Options& o, Config& config) {
    if (!o.transformation.empty() || o.format != "plain")
        fail_usage("--symmetric writes AES-GCM; --transformation and --format are for RSA values");
    if (!o.keystore.empty() && o.aes.given())
        fail_usage("--keystore names a secret key for format 4; --encryption-key-file/-env a key for format 3: give one");
    const bool vault = !o.keystore.empty();
    const AesKey key = vault ? load_secret_key(key_spec(o, config)) : symmetric_keys(o, config).front();
    if (key.public_default)
        print_warning(program, key.origin + " is the public Identity Server default key: anyone can decrypt what it "
                               "protects; make your own with: openssl rand -hex 32");
    const SecureBytes value = read_secret_value(o);
    auto suite = make_aes_suite(key);
    std::cout << suite->seal(value, SealSpec::aes_value(vault ? CiphertextFormat::symmetric_vault
                                                              : CiphertextFormat::symmetric_carbon))
              << "\n";
    return exit_code::ok;
}

int cmd_encrypt(const Options& o) {
    Config config(o);
    if (o.symmetric) return cmd_encrypt_symmetric(o, config);
    if (o.aes.given()) fail_usage("--encryption-key-file/-env need --symmetric (or an AES value to decrypt)");
    const Encoding encoding = parse_encoding(o);
    const LoadedKey key = encryption_key(o, config);
    const ValueEncryptor enc = make_encryptor(key, encoding);
    const SecureBytes value = read_secret_value(o);
    Botan::AutoSeeded_RNG rng;
    std::cout << enc.encrypt(value, rng) << "\n";
    return exit_code::ok;
}

// Loads a key with a store password already asked for, so that the same keystore can be
// read again (KeyIdentity) without a second prompt or a second read of standard input.
LoadedKey load_key_with_password(KeySpec spec, const Password& store_pw) {
    spec.password = PasswordOptions{};
    spec.config_password = store_pw;
    LoadedKey key = load_key(spec, true);
    for (const auto& w : key.warnings) print_warning(program, w);
    return key;
}

// AES values: formats 3 and raw AES with the [encryption] keys (or an explicit one); format 4
// with the explicit key or the secret-key entry --keystore/--alias names.
SecureBytes decrypt_aes(const Options& o, Config& config, const ParsedCiphertext& p) {
    const std::string what = "the ciphertext";
    if (p.format != CiphertextFormat::symmetric_vault) return decrypt_symmetric(p, symmetric_keys(o, config), what);
    if (auto k = explicit_aes_key(o.aes)) return decrypt_symmetric(p, {std::move(*k)}, what);
    if (o.keystore.empty())
        fail_usage("a symmetric-vault value (the cipher tool's -Dsymmetric) is under a keystore's secret key",
                   "name it with --keystore FILE --alias NAME, or give the key with --encryption-key-file");
    return decrypt_symmetric(p, {load_secret_key(key_spec(o, config))}, what);
}

int cmd_decrypt(const Options& o) {
    Config config(o);
    const bool raw_aes = equals_ignore_case(o.transformation, "AES");
    const PlainDecryption plain_decryption = raw_aes ? PlainDecryption{} : PlainDecryption::parse(o.transformation);
    // --password-stdin: the password is the first line, the ciphertext what follows.
    std::optional<Password> stdin_password;
    if (o.password.from_stdin && !raw_aes && !o.aes.given()) stdin_password = Password(read_stdin_line());
    SecureBytes in = read_ciphertext(o);
    std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    const auto print = [](const SecureBytes& plain) {
        std::cout.write(reinterpret_cast<const char*>(plain.data()), static_cast<std::streamsize>(plain.size()));
        std::cout << "\n";
        return exit_code::ok;
    };
    if (raw_aes) {
        const ParsedCiphertext p = parse_raw_aes(text);
        if (p.format != CiphertextFormat::raw_aes) fail_input("the ciphertext: not a raw AES value (" + p.reason + ")");
        return print(decrypt_symmetric(p, symmetric_keys(o, config), "the ciphertext"));
    }
    const ParsedCiphertext parsed = parse_ciphertext(text);
    if (parsed.format == CiphertextFormat::symmetric_carbon || parsed.format == CiphertextFormat::symmetric_vault)
        return print(decrypt_aes(o, config, parsed));

    const KeySpec spec = key_spec(o, config);
    const Password store_pw = stdin_password ? *stdin_password
                                             : resolve_password(spec.password, spec.config_password,
                                                                "store password of " + spec.keystore.filename().string());
    const LoadedKey key = load_key_with_password(spec, store_pw);
    // A private key damaged inside its (intact, or MAC-less) container can still load:
    // a JCEKS/PKCS#12 CBC bit flip leaves the padding valid; decrypting would then blame
    // the data. Checked against its certificate first, so the error names the keystore.
    check_key_matches_certificate(key);
    const KeyIdentity who = key_identity(key, store_pw, spec.type);
    Botan::AutoSeeded_RNG rng;
    return print(decrypt_value(*key.private_key, text, plain_decryption, "the ciphertext", rng, &who));
}

// configure --json: one entry per [secrets] value, in file order, with what was
// (or would be) done to it; never the value itself.
void print_configure_json(const DeploymentConfig& cfg, bool dry_run, const std::vector<SecretSlot>& slots,
                          const std::vector<std::string>& encrypted) {
    nlohmann::ordered_json j;
    j["file"] = cfg.file.string();
    j["dry_run"] = dry_run;
    j["secrets"] = nlohmann::ordered_json::array();
    for (const SecretSlot& s : slots) {
        const bool done = std::find(encrypted.begin(), encrypted.end(), s.alias) != encrypted.end();
        const char* action = dry_run ? (s.is_plaintext() ? "would_encrypt" : "unchanged")
                                     : (done ? "encrypted" : "unchanged");
        j["secrets"].push_back({{"alias", s.alias}, {"action", action}});
    }
    std::cout << j.dump(2) << "\n";
}

int cmd_configure(const Options& o) {
    if (o.symmetric && (!o.transformation.empty() || o.format != "plain"))
        fail_usage("--symmetric writes the cipher tool's AES-GCM format; --transformation and --format are for RSA values");
    const Encoding encoding = parse_encoding(o);
    Config config(o);
    const DeploymentConfig& cfg = config.get();
    const std::vector<SecretSlot>& slots = cfg.slots;
    for (const std::string& w : odd_secret_warnings(slots, cfg.file.filename().string())) print_warning(program, w);
    if (o.dry_run) {
        if (o.json) {
            print_configure_json(cfg, true, slots, {});
            return exit_code::ok;
        }
        size_t waiting = 0;
        for (const SecretSlot& s : slots) {
            if (!s.is_plaintext()) continue;
            std::cout << "would encrypt: " << s.alias << "\n";
            ++waiting;
        }
        std::cout << waiting << " value(s) waiting in [secrets] of " << cfg.file.string() << "; nothing written\n";
        return exit_code::ok;
    }
    // No [secrets] table (or an empty one): say so, instead of "every value is
    // already encrypted", and do not ask for a keystore password for nothing.
    if (slots.empty()) {
        if (o.json) print_configure_json(cfg, false, slots, {});
        else std::cout << "nothing to encrypt: no value in [secrets] of " << cfg.file.string()
                       << " (the table is absent or empty)\n";
        return exit_code::ok;
    }
    // --symmetric: the cipher tool's symmetric mode, format 4 with a keystore's AES secret key.
    std::optional<LoadedKey> key;
    std::optional<AesKey> secret;
    ConfigureOutcome out;
    if (o.symmetric) {
        secret = load_secret_key(key_spec(o, config));
        out = encrypt_plaintext_secrets(cfg, *make_aes_suite(*secret), SealSpec::aes_value(CiphertextFormat::symmetric_vault));
    } else {
        key = encryption_key(o, config);
        Botan::AutoSeeded_RNG rng;
        out = encrypt_plaintext_secrets(cfg, make_encryptor(*key, encoding), rng);
    }
    if (!out.encrypted_aliases.empty())
        write_file_atomically(cfg.file, out.new_text.text(), backup_path(cfg.file, o.backup));
    if (o.json) {
        print_configure_json(cfg, false, slots, out.encrypted_aliases);
    } else if (out.encrypted_aliases.empty()) {
        std::cout << "nothing to encrypt: every value in [secrets] of " << cfg.file.string()
                  << " is already encrypted\n";
    } else {
        for (const auto& a : out.encrypted_aliases) std::cout << "encrypted: " << a << "\n";
        std::cout << out.encrypted_aliases.size() << " value(s) encrypted for "
                  << (key ? key->describe() : secret->describe()) << "\n";
    }
    return exit_code::ok;
}

int cmd_change(const Options& o) {
    const Encoding encoding = parse_encoding(o);
    Config config(o);
    const DeploymentConfig& cfg = config.get();
    const LoadedKey key = encryption_key(o, config);
    const ValueEncryptor enc = make_encryptor(key, encoding);
    find_secret(cfg, o.change_alias);  // unknown alias: fail before asking
    const SecureBytes value = read_secret_value(o);
    Botan::AutoSeeded_RNG rng;
    const Password updated = change_secret(cfg, o.change_alias, value, enc, rng);
    write_file_atomically(cfg.file, updated.text(), backup_path(cfg.file, o.backup));
    if (o.json) {
        nlohmann::ordered_json j;
        j["file"] = cfg.file.string();
        j["alias"] = o.change_alias;
        j["changed"] = true;
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << "changed: " << o.change_alias << "\n";
    }
    return exit_code::ok;
}

// After a separate [keystore.internal] is configured and before ksmigrate has run, the
// [secrets] are still under the primary key: verify opens it (only if a secret does not
// open with the internal key) to say so. Never a second read of standard input; a
// keystore that cannot be opened just leaves the plain "undecryptable" verdict.
PreviousKey previous_primary_key(const Options& o, const DeploymentConfig& cfg, std::optional<LoadedKey>& slot) {
    const bool separate = o.keystore.empty() && o.role == "internal" && cfg.internal_configured &&
                          !(cfg.internal.file == cfg.primary.file && cfg.internal.alias == cfg.primary.alias);
    if (!separate) return {};
    return {[&o, &cfg, &slot, tried = false]() mutable -> const LoadedKey* {
        if (!tried) {
            tried = true;
            PasswordOptions pw = cfg.primary.password || o.password.from_stdin ? PasswordOptions{} : o.password;
            try {
                slot = load_key(key_spec_for_role(cfg, "primary", pw, {}), true);
                for (const auto& w : slot->warnings) print_warning(program, w);
            } catch (const Error& e) {
                print_warning(program, "cannot open the primary key to see whether secrets are still under it: " +
                                           std::string(e.what()));
            }
        }
        return slot ? &*slot : nullptr;
    }};
}

int cmd_verify(const Options& o) {
    const PlainDecryption plain_decryption = PlainDecryption::parse(o.transformation);
    Config config(o);
    const DeploymentConfig& cfg = config.get();
    // --symmetric: the [secrets] configure --symmetric wrote, under a keystore's AES secret key.
    std::optional<LoadedKey> rsa;
    std::optional<AesKey> secret;
    VerifyOutcome v;
    std::string key_line;
    nlohmann::ordered_json key_json;
    if (o.symmetric) {
        secret = load_secret_key(key_spec(o, config));
        v = verify_secrets(cfg, [&](std::string_view value, const std::string& what) {
            const ParsedCiphertext p = parse_ciphertext(value);
            if (p.format != CiphertextFormat::symmetric_vault && p.format != CiphertextFormat::symmetric_carbon)
                fail_input(what + ": not an AES value (" + to_string(p.format) + "); verify without --symmetric checks RSA values");
            decrypt_symmetric(p, {*secret}, what);
        });
        key_line = secret->describe();
        key_json = {{"origin", secret->origin}, {"key_id", secret->id}};
    } else {
        rsa = load_key(key_spec(o, config), true);
        for (const auto& w : rsa->warnings) print_warning(program, w);
        check_key_matches_certificate(*rsa);
        Botan::AutoSeeded_RNG rng;
        std::optional<LoadedKey> primary;
        const PreviousKey previous = previous_primary_key(o, cfg, primary);
        v = verify_secrets(cfg, *rsa->private_key, plain_decryption, rng, &previous);
        key_line = rsa->describe();
        key_json = {{"file", rsa->file.string()}, {"alias", rsa->alias}, {"thumbprint_sha1", rsa->facts.thumbprint_sha1}};
    }
    if (o.json) {
        nlohmann::ordered_json j;
        j["file"] = cfg.file.string();
        j["key"] = key_json;
        j["secrets"] = nlohmann::ordered_json::array();
        for (const auto& c : v.checks) j["secrets"].push_back({{"alias", c.alias}, {"state", c.state}, {"detail", c.detail}});
        j["problems"] = v.problems();
        std::cout << j.dump(2) << "\n";
    } else {
        for (const auto& c : v.checks)
            std::cout << (c.state == "ok" ? "ok        " : "PROBLEM   ") << c.alias
                      << (c.detail.empty() ? "" : ": " + c.detail) << "\n";
        std::cout << v.checks.size() - v.problems() << " ok, " << v.problems() << " problem(s) in "
                  << cfg.file.string() << " with " << key_line << "\n";
    }
    return v.problems() ? exit_code::problems : exit_code::ok;
}

int cmd_check(const Options& o) {
    Config config(o);
    const DeploymentConfig& cfg = config.get();
    std::optional<Password> fallback;
    if (!o.password.file.empty() || !o.password.env.empty() || o.password.from_stdin)
        fallback = resolve_password(o.password, std::nullopt, "keystore password");
    const std::vector<Finding> findings = check_config(cfg, fallback);
    size_t errors = 0;
    for (const auto& f : findings) errors += f.severity == "error";
    if (o.json) {
        nlohmann::ordered_json j;
        j["file"] = cfg.file.string();
        j["findings"] = nlohmann::ordered_json::array();
        for (const auto& f : findings) j["findings"].push_back({{"severity", f.severity}, {"table", f.table}, {"message", f.message}});
        j["errors"] = errors;
        std::cout << j.dump(2) << "\n";
    } else {
        for (const auto& f : findings) std::cout << f.severity << ": [" << f.table << "] " << f.message << "\n";
        std::cout << errors << " error(s) in the keystore configuration of " << cfg.file.string() << "\n";
    }
    return errors ? exit_code::problems : exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
    end_cleanly_on_signals();
    return run_guarded(program, [&]() -> int {
        CLI::App app{"kscipher: encrypt WSO2 config secrets with the internal keystore, and inspect keystores"};
        app.require_subcommand(1);
        app.set_version_flag("--version", std::string("kscipher ") + KSC_VERSION);
        app.footer("Example:\n  kscipher configure --home /opt/wso2am --backup\n"
                   "  echo -n 's3cret' | kscipher encrypt --home /opt/wso2am --password-env KS_PASS\n"
                   "  echo -n 's3cret' | kscipher encrypt --symmetric --home /opt/wso2am   # [encryption] key\n"
                   "  kscipher decrypt --home /opt/wso2am < value.txt   # RSA or AES, detected\n"
                   "Exit codes: 0 ok, 1 problems found, 2 usage, 3 bad input, 4 refused for safety.");
        Options o;

        auto* inspect = app.add_subcommand("inspect", "list every entry of a keystore");
        inspect->add_option("KEYSTORE", o.inspect_file, "keystore file")->required();
        inspect->add_option("--type", o.type, "JKS, PKCS12 or JCEKS (default: detected)");
        inspect->add_option("--alias", o.alias, "show only this entry");
        inspect->add_flag("--json", o.json, "machine-readable output");
        add_password_options(inspect, o);

        auto* encrypt = app.add_subcommand("encrypt", "encrypt one value from standard input (or a prompt)");
        add_key_options(encrypt, o);
        encrypt->add_option("--format", o.format, "plain (default) or self-contained");
        encrypt->add_flag("--symmetric", o.symmetric,
                          "AES-GCM: Carbon's format with [encryption] key (or --encryption-key-file/-env), or the "
                          "cipher tool's with the secret key --keystore/--alias name");
        add_aes_key_options(encrypt, o);

        auto* decrypt = app.add_subcommand("decrypt", "decrypt one ciphertext from standard input (RSA or AES, detected)");
        add_key_options(decrypt, o);
        add_aes_key_options(decrypt, o);

        auto* configure = app.add_subcommand("configure", "encrypt every \"[plaintext]\" value of [secrets] in place");
        add_key_options(configure, o);
        configure->add_option("--format", o.format, "plain (default) or self-contained");
        configure->add_flag("--symmetric", o.symmetric,
                            "AES-GCM as the cipher tool's -Dsymmetric mode, with the AES secret-key entry "
                            "--keystore/--alias name (keytool -genseckey -keyalg AES -storetype PKCS12)");
        configure->add_flag("--dry-run", o.dry_run, "list what would be encrypted; write nothing");
        configure->add_flag("--backup", o.backup, "keep the previous file as deployment.toml.bak");
        configure->add_flag("--json", o.json, "machine-readable output");

        auto* change = app.add_subcommand("change", "replace the value of one secret (new value from stdin or a prompt)");
        change->add_option("ALIAS", o.change_alias, "the secret's name in [secrets]")->required();
        add_key_options(change, o);
        change->add_option("--format", o.format, "plain (default) or self-contained");
        change->add_flag("--backup", o.backup, "keep the previous file as deployment.toml.bak");
        change->add_flag("--json", o.json, "machine-readable output");

        auto* verify = app.add_subcommand("verify", "check every secret decrypts and every $secret{x} resolves");
        add_key_options(verify, o);
        verify->add_flag("--symmetric", o.symmetric,
                         "[secrets] written by configure --symmetric: check them with the AES secret key "
                         "--keystore/--alias name");
        verify->add_flag("--json", o.json, "machine-readable output");

        auto* check = app.add_subcommand("check", "lint the keystore configuration against the product's rules");
        add_home_options(check, o);
        add_password_options(check, o);
        check->add_flag("--json", o.json, "machine-readable output");

        if (auto done = parse_command_line(app, argc, argv)) return *done;
        if (*inspect) return cmd_inspect(o);
        if (*encrypt) return cmd_encrypt(o);
        if (*decrypt) return cmd_decrypt(o);
        if (*configure) return cmd_configure(o);
        if (*change) return cmd_change(o);
        if (*verify) return cmd_verify(o);
        return cmd_check(o);
    });
}
