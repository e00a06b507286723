// Targets: the built-in WSO2 profile and the operator's TOML targets file.
// Identifiers are checked strictly because they end up in SQL text (quoted);
// `where` is operator-written SQL and is only wrapped in parentheses.
#include "ksc/targets.hpp"

#include "ksc/text.hpp"

#include "ksc/bytes.hpp"
#include "ksc/error.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <map>

namespace ksc {
namespace {

bool plain_identifier(std::string_view s) {
    if (s.empty()) return false;
    auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    if (!letter(s[0])) return false;
    for (char c : s)
        if (!letter(c) && !(c >= '0' && c <= '9') && c != '$') return false;
    return true;
}

Target make(std::string table, std::string column, std::vector<std::string> key, std::string where = {},
            TargetKind kind = TargetKind::value) {
    return Target{std::move(table), std::move(column), std::move(key), std::move(where), kind};
}

std::vector<Target> wso2_apim_4() {
    const std::vector<std::string> token_id = {"TOKEN_ID"};
    return {
        make("IDN_OAUTH_CONSUMER_APPS", "CONSUMER_SECRET", {"ID"}),
        make("IDN_OAUTH2_ACCESS_TOKEN", "ACCESS_TOKEN", token_id),
        make("IDN_OAUTH2_ACCESS_TOKEN", "REFRESH_TOKEN", token_id),
        // No primary key in the product schema: rowid. WSO2's own tools forget this table.
        make("IDN_OAUTH2_ACCESS_TOKEN_AUDIT", "ACCESS_TOKEN", {}),
        make("IDN_OAUTH2_ACCESS_TOKEN_AUDIT", "REFRESH_TOKEN", {}),
        make("IDN_OAUTH2_AUTHORIZATION_CODE", "AUTHORIZATION_CODE", {"CODE_ID"}),
        // Only the TOTP secret keys are encrypted; other claims are plain text.
        make("IDN_IDENTITY_USER_DATA", "DATA_VALUE", {"TENANT_ID", "USER_NAME", "DATA_KEY"},
             "DATA_KEY IN ('http://wso2.org/claims/identity/secretkey', "
             "'http://wso2.org/claims/identity/verifySecretkey')"),
        make("WF_BPS_PROFILE", "PASSWORD", {"PROFILE_NAME", "TENANT_ID"}),
        make("IDN_SECRET", "SECRET_VALUE", {"ID"}),
        make("IDP_AUTHENTICATOR_PROPERTY", "PROPERTY_VALUE", {"ID"}, "IS_SECRET = '1'"),
        make("REG_PROPERTY", "REG_VALUE", {"REG_ID", "REG_TENANT_ID"},
             "REG_NAME IN ('password', 'privatekeyPass', 'subscriberPassword', 'service.principal.password')"),
        make("AM_KEY_MANAGER", "CONFIGURATION", {"UUID"}, {}, TargetKind::json_encrypted_values),
    };
}

}  // namespace

bool lives_in_shared_db(std::string_view table) {
    return starts_with_ignore_case(table, "REG_") || starts_with_ignore_case(table, "UM_");
}

namespace {

struct Profile {
    const char* name;
    std::vector<Target> (*targets)();
};
constexpr Profile profiles[] = {{"wso2-apim-4", wso2_apim_4}};

// Reads one [[target]] table; `where` names the entry in every message.
Target parse_entry(const toml::table& t, const std::string& where) {
    Target out;
    auto string_field = [&](const char* name, bool required) -> std::string {
        const toml::node* n = t.get(name);
        if (!n) {
            if (required) fail_input(where + ": missing field '" + name + "'");
            return {};
        }
        if (!n->is_string()) fail_input(where + ": field '" + name + "' must be a string");
        return n->as_string()->get();
    };
    auto identifier = [&](const std::string& s, const char* what) {
        if (!plain_identifier(s))
            fail_input(where + ": " + what + " '" + s + "' is not a plain SQL identifier (letters, digits, _ and $)");
        return s;
    };

    for (const auto& [k, v] : t) {
        const std::string_view name = k.str();
        if (name != "table" && name != "column" && name != "key" && name != "where" && name != "kind")
            fail_input(where + ": unknown field '" + std::string(name) + "'",
                       "the fields are table, column, key, where and kind");
        (void)v;
    }
    out.table = identifier(string_field("table", true), "table");
    out.column = identifier(string_field("column", true), "column");
    if (const toml::node* n = t.get("key")) {
        const toml::array* a = n->as_array();
        if (!a) fail_input(where + ": field 'key' must be an array of column names");
        for (const toml::node& e : *a) {
            if (!e.is_string()) fail_input(where + ": field 'key' must be an array of column names");
            out.key.push_back(identifier(e.as_string()->get(), "key column"));
        }
    }
    out.where = string_field("where", false);
    const std::string kind = string_field("kind", false);
    if (kind.empty() || kind == "value") {
        out.kind = TargetKind::value;
    } else if (kind == "json-encrypted-values") {
        out.kind = TargetKind::json_encrypted_values;
    } else {
        fail_input(where + ": unknown kind '" + kind + "'", "kind is \"value\" or \"json-encrypted-values\"");
    }
    return out;
}

}  // namespace

std::string Target::name() const { return table + "." + column; }

std::vector<Target> parse_targets(std::string_view toml_text, const std::string& file_name) {
    toml::table root;
    try {
        root = toml::parse(toml_text, file_name);
    } catch (const toml::parse_error& e) {
        fail_input(file_name + ": not valid TOML at line " + std::to_string(e.source().begin.line) + ": " +
                   std::string(e.description()));
    }
    for (const auto& [k, v] : root) {
        (void)v;
        if (k.str() != "target")
            fail_input(file_name + ": unknown top-level key '" + std::string(k.str()) + "'",
                       "a targets file holds only [[target]] entries");
    }
    const toml::array* entries = root["target"].as_array();
    if (!entries || entries->empty()) fail_input(file_name + ": no [[target]] entries");

    std::vector<Target> out;
    std::map<std::string, size_t> seen;  // upper-cased TABLE.COLUMN -> entry number
    size_t number = 0;
    for (const toml::node& n : *entries) {
        ++number;
        const std::string where = file_name + ": target #" + std::to_string(number);
        const toml::table* t = n.as_table();
        if (!t) fail_input(where + ": must be a table ([[target]])");
        Target target = parse_entry(*t, where);
        // SQL names are case-insensitive; the same column twice would be migrated twice.
        std::string id = target.name();
        for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (auto [it, fresh] = seen.emplace(id, number); !fresh)
            fail_input(where + ": repeats " + target.name() + " (target #" + std::to_string(it->second) + ")");
        out.push_back(std::move(target));
    }
    return out;
}

std::vector<Target> load_targets_file(const std::filesystem::path& file) {
    return parse_targets(read_text_file(file), file.string());
}

std::vector<std::string> builtin_profile_names() {
    std::vector<std::string> out;
    for (const auto& p : profiles) out.emplace_back(p.name);
    return out;
}

std::vector<Target> builtin_profile(std::string_view name) {
    std::string known;
    for (const auto& p : profiles) {
        if (name == p.name) return p.targets();
        known += known.empty() ? p.name : std::string(", ") + p.name;
    }
    fail_usage("unknown profile '" + std::string(name) + "' (known: " + known + ")",
               "use --profile " + std::string(profiles[0].name) + " or --targets FILE");
}

}  // namespace ksc
