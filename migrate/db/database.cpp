// What every backend shares: naming a database (a path or a URL), opening the right
// backend, and the statement cache.
#include "db/backends.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ksc {
namespace {

// %XX escapes of a URL part (user names and database names may hold them).
std::string url_decode(std::string_view s, std::string_view what) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        auto hex = [&](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
            fail_usage("database URL: bad %-escape in the " + std::string(what));
        out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
    }
    return out;
}

}  // namespace

std::string real_text(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

std::string DatabaseAddress::display() const {
    if (kind == Kind::sqlite) return file.string();
    std::string out = kind == Kind::postgresql ? "postgresql://" : "mysql://";
    if (!user.empty()) out += user + "@";
    out += host;
    if (port) out.append(":").append(std::to_string(port));  // append: GCC 12 warns falsely on ":" + string
    return out.append("/").append(database);
}

DatabaseAddress parse_database_address(std::string_view text) {
    DatabaseAddress a;
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        if (text.empty()) fail_usage("--db: empty database name");
        a.file = std::filesystem::path(std::string(text));
        return a;
    }
    std::string scheme(text.substr(0, scheme_end));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "postgresql" || scheme == "postgres") {
        a.kind = DatabaseAddress::Kind::postgresql;
    } else if (scheme == "mysql" || scheme == "mariadb") {
        a.kind = DatabaseAddress::Kind::mysql;
    } else {
        fail_usage("--db: unknown database kind '" + scheme + "://'",
                   "give a SQLite file, postgresql://user@host:port/db or mysql://user@host:port/db");
    }
    std::string_view rest = text.substr(scheme_end + 3);
    std::string_view query;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 >= rest.size())
        fail_usage("--db: the URL names no database (" + std::string(text.substr(0, scheme_end)) + "://user@host:port/DATABASE)");
    a.database = url_decode(rest.substr(slash + 1), "database name");
    std::string_view authority = rest.substr(0, slash);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        // Never echo the URL here: it holds the password.
        if (userinfo.find(':') != std::string_view::npos)
            fail_usage("--db: a password in the URL is refused (it would show in the process list and shell history)",
                       "give it with --db-password-file FILE or --db-password-env NAME");
        a.user = url_decode(userinfo, "user name");
        authority = authority.substr(at + 1);
    }
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
        const std::string port(authority.substr(colon + 1));
        if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
            std::stoi(port) == 0 || std::stoi(port) > 65535)
            fail_usage("--db: bad port '" + port + "' in the URL");
        a.port = std::stoi(port);
        authority = authority.substr(0, colon);
    }
    a.host = std::string(authority);
    if (a.host.empty()) a.host = "localhost";
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view kv = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (kv.empty()) continue;
        const auto eq = kv.find('=');
        std::string key = url_decode(kv.substr(0, eq), "options");
        if (equals_ignore_case(key, "password"))
            fail_usage("--db: a password in the URL is refused (it would show in the process list and shell history)",
                       "give it with --db-password-file FILE or --db-password-env NAME");
        a.options.emplace_back(std::move(key), eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1), "options"));
    }
    return a;
}

std::unique_ptr<Database> open_database(const DatabaseAddress& address, Database::Mode mode,
                                        const DatabaseCredentials& credentials) {
    switch (address.kind) {
        case DatabaseAddress::Kind::sqlite: return open_sqlite(address, mode);
        case DatabaseAddress::Kind::postgresql: return open_postgresql(address, mode, credentials);
        case DatabaseAddress::Kind::mysql: return open_mysql(address, mode, credentials);
    }
    fail_internal("unknown database kind");
}

CachedStatement Database::cached(const std::string& sql) const {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, prepare(sql)).first;
    return CachedStatement(*it->second);
}

std::vector<std::string> Database::strings(const std::string& sql, const std::string& arg) const {
    std::vector<std::string> out;
    auto s = prepare(sql);
    s->bind(1, arg);
    while (s->step()) {
        const SqlValue v = s->column(0);
        if (v.type != SqlValue::Type::null) out.push_back(v.bytes);
    }
    return out;
}

void Database::copy_file_to(const std::filesystem::path&) const {
    fail_internal(name() + ": this database cannot be copied as a file");
}

std::vector<size_t> placeholders(const std::string& sql, bool backslash_escapes) {
    std::vector<size_t> marks;
    for (size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {
            for (++i; i < sql.size() && sql[i] != c; ++i)
                if (backslash_escapes && sql[i] == '\\') ++i;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            while (i < sql.size() && sql[i] != '\n') ++i;
        } else if (c == '?') {
            marks.push_back(i);
        }
    }
    return marks;
}

std::string quote_double(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

bool same_names(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return a.size() == b.size() && std::all_of(b.begin(), b.end(), [&](const std::string& k) {
               return std::any_of(a.begin(), a.end(), [&](const std::string& c) { return equals_ignore_case(c, k); });
           });
}

}  // namespace ksc
