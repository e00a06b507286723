#include "declared_databases.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

namespace ksc::detail {
namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

[[noreturn]] void unreachable(const DatabaseSettings& d, const std::string& what) {
    fail_input("deployment.toml [database." + d.name + "] is " + what + ", which ksmigrate cannot reach",
               "ksmigrate works on SQLite, PostgreSQL and MySQL/MariaDB; give the database with --db");
}

}  // namespace

DatabaseAddress jdbc_address(const DatabaseSettings& d) {
    const std::string url = d.url;
    const std::string type = lower(d.type);
    if (starts_with_ignore_case(url, "jdbc:h2:") || type == "h2") unreachable(d, "an H2 database (the pack's embedded default)");
    if (starts_with_ignore_case(url, "jdbc:sqlserver:") || type == "mssql") unreachable(d, "a Microsoft SQL Server database");
    if (starts_with_ignore_case(url, "jdbc:oracle:") || type == "oracle") unreachable(d, "an Oracle database");
    if (starts_with_ignore_case(url, "jdbc:db2:") || type == "db2") unreachable(d, "a DB2 database");
    std::string scheme, keep;
    if (starts_with_ignore_case(url, "jdbc:postgresql://")) {
        scheme = "postgresql", keep = "sslmode";
    } else if (starts_with_ignore_case(url, "jdbc:mysql://") || starts_with_ignore_case(url, "jdbc:mariadb://")) {
        scheme = "mysql", keep = "useSSL";
    } else {
        fail_input("deployment.toml [database." + d.name + "] url is not a JDBC URL ksmigrate knows" +
                       (d.type.empty() ? std::string() : " (type \"" + d.type + "\")"),
                   "ksmigrate reads jdbc:postgresql:// and jdbc:mysql:// URLs; give the database with --db");
    }
    std::string rest = url.substr(url.find("://") + 3);
    std::string query;
    if (const auto q = rest.find('?'); q != std::string::npos) {
        query = rest.substr(q + 1);
        rest.resize(q);
    }
    if (rest.find('@') != std::string::npos || rest.find(',') != std::string::npos)
        fail_input("deployment.toml [database." + d.name + "] url names a user or several hosts; ksmigrate reads "
                   "jdbc:<kind>://host:port/database", "give the database with --db");
    DatabaseAddress a = parse_database_address(scheme + "://" + rest);
    a.user = d.username;
    for (size_t at = 0; at < query.size();) {
        const size_t amp = std::min(query.find('&', at), query.size());
        const std::string kv = query.substr(at, amp - at);
        const size_t eq = kv.find('=');
        if (eq != std::string::npos && equals_ignore_case(kv.substr(0, eq), keep)) a.options.emplace_back(keep, kv.substr(eq + 1));
        at = amp + 1;
    }
    return a;
}

DeclaredDatabases declared_databases(const DeploymentConfig& cfg,
                                     const std::function<Password(const std::string& alias)>& reveal) {
    DeclaredDatabases out;
    for (const DatabaseSettings& d : cfg.databases) {
        DatabaseAddress a = jdbc_address(d);
        // Two names for one database (API-M's apim_db and shared_db often are): once.
        if (std::find(out.addresses.begin(), out.addresses.end(), a) != out.addresses.end()) continue;
        const std::string_view p = d.password.text();
        if (p.starts_with("$secret{") && p.ends_with("}")) {
            out.credentials.per_database.emplace_back(a, reveal(std::string(p.substr(8, p.size() - 9))));
        } else if (!p.empty()) {
            out.credentials.per_database.emplace_back(a, d.password);
        }
        out.addresses.push_back(std::move(a));
        out.names.push_back(d.name);
    }
    return out;
}

}  // namespace ksc::detail
