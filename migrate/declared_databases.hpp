// Internal: the databases deployment.toml declares ([database.apim_db], [database.shared_db],
// [database.identity_db], ...), as ksmigrate reaches them when no --db is given.
#pragma once
#include "ksc/database.hpp"
#include "ksc/deployment_config.hpp"

#include <functional>
#include <optional>
#include <string>

namespace ksc::detail {

// A JDBC URL as a database address: jdbc:postgresql://h:p/db?..., jdbc:mysql://h:p/db?...
// (jdbc:mariadb:// too). Types ksmigrate cannot reach (H2, MSSQL, Oracle, ...) are
// ErrorKind::input naming the table and the type. Only the URL options the drivers
// share with JDBC are kept (PostgreSQL's sslmode; MySQL's useSSL).
DatabaseAddress jdbc_address(const DatabaseSettings& d);

// Every declared database with its password: a literal, or $secret{alias} given to
// `reveal` (which decrypts it from [secrets] with the product's keys).
struct DeclaredDatabases {
    std::vector<DatabaseAddress> addresses;
    std::vector<std::string> names;   // "apim_db", ... in the same order
    DatabaseCredentials credentials;
};
DeclaredDatabases declared_databases(const DeploymentConfig& cfg,
                                     const std::function<Password(const std::string& alias)>& reveal);

}  // namespace ksc::detail
