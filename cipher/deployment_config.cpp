// Reading the keystore tables and [secrets] of deployment.toml the way the
// product does (README.md "Choices made where the contract is silent").
//
// Fallbacks, as in the product's default.json key mappings ($ref{keystore.primary.*}):
//   [keystore.primary]   each missing field -> the product default (wso2carbon.jks, JKS,
//                        wso2carbon for password, alias and key_password)
//   [keystore.internal]  each missing field -> primary's resolved field
//   [keystore.tls]       each missing field -> primary's resolved field (the product
//                        maps the secondary/TLS keystore onto the primary one the same way)
//   [truststore]         each missing field -> client-truststore.jks, JKS, wso2carbon
// One exception, in every table: a table with its own `password` line and no
// `key_password` line uses that password as its key password, instead of inheriting
// primary's key_password or the default "wso2carbon". The product documents that the
// two must be equal, and keytool (-keypass defaults to -storepass) and PKCS#12 (one
// password) make them equal; inheriting would pair the table's store password with a
// key password meant for another keystore and fail as "key password is wrong".
// The secure-vault cipher tool 1.1.21+ uses internal only when it has a file_name
// (internal_configured); field by field merging gives the same key in that case
// and the key the server itself resolves in every other case.
#include "ksc/deployment_config.hpp"

#include "secrets_toml.hpp"

#include "ksc/bytes.hpp"
#include "ksc/error.hpp"
#include "ksc/secrets_editor.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace ksc {

namespace {

struct Defaults {
    std::string file_name, type, password, alias, key_password;
};
const Defaults keystore_defaults{"wso2carbon.jks", "JKS", "wso2carbon", "wso2carbon", "wso2carbon"};
const Defaults truststore_defaults{"client-truststore.jks", "JKS", "wso2carbon", "", ""};

std::string where(const std::string& file, const toml::source_position& p) {
    return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

// The value of a placeholder-bearing string, or why it has none. Secret text: a password
// may be written around a placeholder.
struct Resolved {
    std::optional<Password> value;
    std::string problem;  // names the placeholder, never the value around it
};

// Resolves $env{X} (environment), ${carbon.home} and $sys{carbon.home} (the home we
// were given) anywhere in `raw`. $secret{x} and other $sys{} properties cannot be
// resolved here: the value is then unknown. An unterminated "${" stays literal.
// Built in wiped memory: a value given up half-way (an unset variable) is wiped too.
Resolved resolve_placeholders(std::string_view raw, const std::filesystem::path& home) {
    Resolved r;
    SecureBytes out;
    const auto append = [&](std::string_view part) { out.insert(out.end(), part.begin(), part.end()); };
    size_t i = 0;
    while (i < raw.size()) {
        const size_t dollar = raw.find('$', i);
        if (dollar == std::string_view::npos) break;
        append(raw.substr(i, dollar - i));
        const size_t open = raw.find('{', dollar);
        const size_t close = open == std::string_view::npos ? open : raw.find('}', open);
        const std::string_view kind =
            open == std::string_view::npos ? std::string_view{} : raw.substr(dollar + 1, open - dollar - 1);
        if (close == std::string_view::npos || (kind != "env" && kind != "sys" && kind != "secret" && !kind.empty())) {
            out.push_back('$');
            i = dollar + 1;
            continue;
        }
        const std::string name(raw.substr(open + 1, close - open - 1));
        if (kind == "env") {
            const char* v = std::getenv(name.c_str());
            if (!v) {
                r.problem = "environment variable " + name + " ($env{" + name + "}) is not set";
                return r;
            }
            append(v);
        } else if (name == "carbon.home" && (kind == "sys" || kind.empty())) {
            append(home.string());
        } else if (kind.empty()) {
            append(raw.substr(dollar, close + 1 - dollar));  // another ${...}: not ours to expand
        } else if (kind == "secret") {
            r.problem = "it is a $secret{" + name + "} reference";
            return r;
        } else {
            r.problem = "$sys{" + name + "} is a Java system property this tool cannot see";
            return r;
        }
        i = close + 1;
    }
    append(raw.substr(std::min(i, raw.size())));
    r.value = Password(std::move(out));
    return r;
}

// "&amp;" as "&" (a URL written for XML).
std::string unescape_amp(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        out += s[i];
        if (s.compare(i, 5, "&amp;") == 0) i += 4;
    }
    return out;
}

class Reader {
public:
    Reader(const toml::table& doc, std::string file, std::filesystem::path home)
        : doc_(doc), file_(std::move(file)), home_(std::move(home)) {}

    // dotted: "keystore.primary" or "truststore"; nullptr when absent.
    const toml::table* table(std::string_view dotted) const {
        const toml::node* node = doc_.at_path(dotted).node();
        if (!node) return nullptr;
        if (!node->is_table())
            fail_input(where(file_, node->source().begin) + "'" + std::string(dotted) + "' must be a table",
                       "write it as a [" + std::string(dotted) + "] section");
        return node->as_table();
    }

    // The string written for `key`, or nullopt when absent: a view into the document,
    // whose strings are wiped with it.
    std::optional<std::string_view> raw(const toml::table* t, std::string_view dotted, std::string_view key,
                                        toml::source_position* at = nullptr) const {
        if (!t) return std::nullopt;
        const toml::node* node = t->get(key);
        if (!node) return std::nullopt;
        if (!node->is_string())
            fail_input(where(file_, node->source().begin) + "[" + std::string(dotted) + "] " + std::string(key) +
                           " must be a string",
                       "quote it: " + std::string(key) + " = \"...\"");
        if (at) *at = node->source().begin;
        return std::string_view(node->as_string()->get());
    }

    // [database.<name>] tables that name a database (a url or a type); pool options
    // and other sub-tables are not databases.
    std::vector<DatabaseSettings> databases() const {
        std::vector<DatabaseSettings> out;
        const toml::table* all = table("database");
        if (!all) return out;
        for (const auto& [key, node] : *all) {
            const toml::table* t = node.as_table();
            std::string dotted = "database.";
            dotted.append(key.str());  // append: GCC 12 warns falsely (-Wrestrict) on "x." + string
            if (!t || (!t->contains("url") && !t->contains("type"))) continue;
            DatabaseSettings d;
            d.name = std::string(key.str());
            d.type = raw(t, dotted, "type").value_or("");
            // WSO2's samples write the URL as it goes into XML: &amp; between parameters.
            d.url = unescape_amp(std::string(raw(t, dotted, "url").value_or("")));
            d.username = raw(t, dotted, "username").value_or("");
            d.password = Password(raw(t, dotted, "password").value_or(""));
            out.push_back(std::move(d));
        }
        return out;
    }

    // file_name, type and alias must resolve: a keystore we cannot name is an error.
    std::optional<std::string> required(const toml::table* t, std::string_view dotted, std::string_view key) const {
        toml::source_position at{};
        const auto v = raw(t, dotted, key, &at);
        if (!v) return std::nullopt;
        Resolved r = resolve_placeholders(*v, home_);
        if (!r.value)
            fail_input(where(file_, at) + "[" + std::string(dotted) + "] " + std::string(key) + ": " + r.problem,
                       "set it, or write the value itself in " + file_);
        if (r.value->empty())
            fail_input(where(file_, at) + "[" + std::string(dotted) + "] " + std::string(key) + " is empty");
        return std::string(r.value->text());  // a file name, type or alias: not a secret
    }

    // Passwords that cannot be resolved become nullopt (the tools then ask for them)
    // with `problem_out` naming the placeholder that stops them. False when absent.
    bool password(const toml::table* t, std::string_view dotted, std::string_view key,
                  std::optional<Password>& value, Password& raw_out, std::string& problem_out) const {
        const auto v = raw(t, dotted, key);
        if (!v) return false;
        raw_out = Password(*v);
        Resolved r = resolve_placeholders(*v, home_);
        value = std::move(r.value);
        problem_out = std::move(r.problem);
        return true;
    }

    KeystoreSettings keystore(std::string_view dotted, const KeystoreSettings& fallback) const {
        const toml::table* t = table(dotted);
        KeystoreSettings s = fallback;
        s.table = std::string(dotted);
        if (auto v = required(t, dotted, "file_name")) {
            s.file_name = *v;
            s.file = resolve_file(*v);
        }
        if (auto v = required(t, dotted, "type")) s.type = *v;
        if (auto v = required(t, dotted, "alias")) s.alias = *v;
        const bool own_password = password(t, dotted, "password", s.password, s.password_raw, s.password_problem);
        const bool own_key_password =
            password(t, dotted, "key_password", s.key_password, s.key_password_raw, s.key_password_problem);
        if (own_password && !own_key_password) {  // see the top of this file
            s.key_password = s.password;
            s.key_password_raw = s.password_raw;
            s.key_password_problem = s.password_problem;
        }
        return s;
    }

    KeystoreSettings defaults(const Defaults& d) const {
        KeystoreSettings s;
        s.file_name = d.file_name;
        s.file = resolve_file(d.file_name);
        s.type = d.type;
        s.alias = d.alias;
        s.password = Password(d.password);
        s.password_raw = Password(d.password);
        if (!d.key_password.empty()) {
            s.key_password = Password(d.key_password);
            s.key_password_raw = Password(d.key_password);
        }
        return s;
    }

private:
    std::filesystem::path resolve_file(const std::string& name) const {
        const std::filesystem::path p(name);
        return p.is_absolute() ? p : security_dir(home_) / p;
    }

    const toml::table& doc_;
    std::string file_;
    std::filesystem::path home_;
};

// Every $secret{name} in every string of the document, in file order.
void collect_references(const toml::node& node, std::vector<std::pair<toml::source_position, std::string>>& out) {
    if (const auto* t = node.as_table()) {
        for (const auto& [key, child] : *t) collect_references(child, out);
    } else if (const auto* a = node.as_array()) {
        for (const auto& child : *a) collect_references(child, out);
    } else if (const auto* s = node.as_string()) {
        const std::string& v = s->get();  // only the names inside $secret{} are kept
        constexpr std::string_view marker = "$secret{";
        for (size_t at = v.find(marker); at != std::string::npos; at = v.find(marker, at + 1)) {
            const size_t close = v.find('}', at + marker.size());
            if (close == std::string::npos) break;
            out.emplace_back(node.source().begin, v.substr(at + marker.size(), close - at - marker.size()));
        }
    }
}

}  // namespace

std::filesystem::path deployment_toml_path(const std::filesystem::path& home) {
    return home / "repository" / "conf" / "deployment.toml";
}

std::filesystem::path security_dir(const std::filesystem::path& home) {
    return home / "repository" / "resources" / "security";
}

DeploymentConfig DeploymentConfig::load(const std::filesystem::path& file, const std::filesystem::path& home) {
    const Password text(read_secret_file(file, 16u << 20));
    return parse(text.text(), file, home);
}

DeploymentConfig DeploymentConfig::parse(std::string_view text, const std::filesystem::path& file,
                                         const std::filesystem::path& home) {
    const std::string name = file.string();
    DeploymentConfig c;
    c.file = file;
    c.home = home;
    c.text = Password(text);

    // One reader of [secrets] for every tool: malformed TOML and unusable [secrets]
    // entries are reported here exactly as the editor reports them. The document's
    // strings are wiped when `parsed` goes away, at the end of this function.
    detail::SecretsAndDocument parsed = detail::parse_with_secret_slots(text, name);
    const toml::table& doc = parsed.doc;
    c.slots = std::move(parsed.slots);
    for (const SecretSlot& slot : c.slots) c.secrets.emplace(slot.alias, slot.value);

    const Reader r(doc, name, home);
    c.primary = r.keystore("keystore.primary", r.defaults(keystore_defaults));
    c.internal = r.keystore("keystore.internal", c.primary);
    c.tls = r.keystore("keystore.tls", c.primary);
    c.truststore = r.keystore("truststore", r.defaults(truststore_defaults));
    const toml::table* internal = r.table("keystore.internal");
    c.internal_configured = internal && internal->contains("file_name");
    c.databases = r.databases();
    if (const toml::table* enc = r.table("encryption")) {
        EncryptionSettings& e = c.encryption;
        e.present = true;
        Password raw;  // not kept: nothing compares the AES keys as written
        e.key_written = r.password(enc, "encryption", "key", e.key, raw, e.key_problem);
        e.old_key_written = r.password(enc, "encryption", "old_key", e.old_key, raw, e.old_key_problem);
    }

    std::vector<std::pair<toml::source_position, std::string>> refs;
    collect_references(doc, refs);
    std::stable_sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) {
        return a.first.line != b.first.line ? a.first.line < b.first.line : a.first.column < b.first.column;
    });
    std::set<std::string> seen;
    for (auto& [pos, ref] : refs)
        if (seen.insert(ref).second) c.secret_references.push_back(std::move(ref));
    return c;
}

}  // namespace ksc
