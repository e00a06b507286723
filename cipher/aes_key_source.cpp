#include "ksc/aes_key_source.hpp"

#include "ksc/error.hpp"
#include "ksc/password_source.hpp"

#include <cstdlib>

namespace ksc {

std::optional<AesKey> explicit_aes_key(const AesKeyOptions& o) {
    if (!o.file.empty() && !o.env.empty())
        fail_usage("give the AES key once: " + o.option_prefix + "encryption-key-file or " + o.option_prefix +
                   "encryption-key-env, not both");
    if (!o.file.empty()) {
        // The same first-line reader as password files: wiped memory, CR/LF removed.
        const Password text = read_password_file(o.file);
        const SecureBytes& b = text.utf8();
        return parse_aes_key_text(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()),
                                  "the key in " + o.file.string() + " (" + o.option_prefix + "encryption-key-file)");
    }
    if (!o.env.empty()) {
        const char* v = std::getenv(o.env.c_str());
        if (!v) fail_usage("environment variable " + o.env + " (given to " + o.option_prefix + "encryption-key-env) is not set");
        return parse_aes_key_text(v, "the key in $" + o.env + " (" + o.option_prefix + "encryption-key-env)");
    }
    return std::nullopt;
}

std::vector<AesKey> config_aes_keys(const DeploymentConfig& config, bool include_old, const std::string& option_prefix) {
    const EncryptionSettings& e = config.encryption;
    const std::string file = config.file.string();
    if (!e.key_written)
        fail_usage("no [encryption] key in " + file,
                   "give the AES key with " + option_prefix + "encryption-key-file FILE or " + option_prefix +
                       "encryption-key-env NAME");
    std::vector<AesKey> keys;
    const auto add = [&](const std::optional<Password>& text, const std::string& problem, const char* field) {
        const std::string origin = std::string("[encryption] ") + field + " of " + file;
        if (!text)
            fail_input(origin + " cannot be used as written (" + problem + ")",
                       "give the key with " + option_prefix + "encryption-key-file FILE or " + option_prefix +
                           "encryption-key-env NAME");
        keys.push_back(parse_aes_key_text(text->text(), origin));
    };
    add(e.key, e.key_problem, "key");
    if (include_old && e.old_key_written) add(e.old_key, e.old_key_problem, "old_key");
    return keys;
}

}  // namespace ksc
