// Internal to the database backends (migrate/db/): each backend's opener and the
// small pieces of SQL text they share.
#pragma once
#include "ksc/database.hpp"

#include <string>
#include <vector>

namespace ksc {

std::unique_ptr<Database> open_sqlite(const DatabaseAddress& address, Database::Mode mode);
std::unique_ptr<Database> open_postgresql(const DatabaseAddress& address, Database::Mode mode,
                                          const DatabaseCredentials& credentials);
std::unique_ptr<Database> open_mysql(const DatabaseAddress& address, Database::Mode mode,
                                     const DatabaseCredentials& credentials);

// Offsets of the `?` placeholders of `sql`, outside quoted strings and names and `--`
// comments; `backslash_escapes`: a backslash escapes the next character inside quotes (MySQL).
std::vector<size_t> placeholders(const std::string& sql, bool backslash_escapes);

// "name" quoted as a standard SQL identifier (SQLite, PostgreSQL).
std::string quote_double(const std::string& name);
// The same column names, in any order, compared as SQL compares unquoted names.
bool same_names(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace ksc
