// The one database interface ksmigrate's migration core speaks to. SQLite, PostgreSQL
// and MySQL/MariaDB each implement it in their own file under migrate/db/, and only
// those files include a driver header. README.md "Databases" says what each backend
// creates in a database and how it cleans up.
#pragma once
#include "ksc/password.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ksc {

// One value with its storage class, copied out of a row. TEXT stays TEXT and BLOB
// (BYTEA) stays BLOB when it is written back.
struct SqlValue {
    enum class Type { null, integer, real, text, blob } type = Type::null;
    int64_t i = 0;
    double d = 0;
    std::string bytes;  // text (UTF-8 or the column's bytes) or blob bytes

    static SqlValue text(std::string s) { return {Type::text, 0, 0, std::move(s)}; }
    static SqlValue blob(std::string s) { return {Type::blob, 0, 0, std::move(s)}; }
    static SqlValue integer(int64_t v) { return {Type::integer, v, 0, {}}; }
    bool operator==(const SqlValue&) const = default;
};

// A REAL as text that reads back to the same double (bound by the servers, journaled).
std::string real_text(double d);

// What names a database: a SQLite file, or a server URL without a password
// (postgresql://user@host:port/db?sslmode=require, mysql://user@host:port/db).
struct DatabaseAddress {
    enum class Kind { sqlite, postgresql, mysql };
    Kind kind = Kind::sqlite;
    std::filesystem::path file;        // sqlite
    std::string user, host, database;  // servers
    int port = 0;                      // 0: the driver's default
    std::vector<std::pair<std::string, std::string>> options;  // URL query, kept for the driver
    // How messages and reports name it: the path, or the URL (never a password).
    std::string display() const;
    bool is_server() const { return kind != Kind::sqlite; }
    bool operator==(const DatabaseAddress&) const = default;
};

// A SQLite path, or a postgresql:// (postgres://), mysql:// (mariadb://) URL.
// A password in the URL is ErrorKind::usage: it would sit in the process list.
DatabaseAddress parse_database_address(std::string_view text);

// Passwords for server databases: one given with --db-password-file / --db-password-env
// for every database named with --db, or each database's own from deployment.toml's
// [database.*]. None: the driver's own (libpq's PGPASSFILE), or no password.
struct DatabaseCredentials {
    std::optional<Password> password;
    std::vector<std::pair<DatabaseAddress, Password>> per_database;
    const Password* for_database(const DatabaseAddress& a) const {
        for (const auto& [address, p] : per_database)
            if (address == a) return &p;
        return password ? &*password : nullptr;
    }
};

class Statement {
public:
    virtual ~Statement() = default;
    // Parameters are written `?` in the SQL and bound 1-based in order.
    virtual Statement& bind(int index, const SqlValue& v) = 0;
    Statement& bind(int index, const std::string& text) { return bind(index, SqlValue::text(text)); }
    Statement& bind(int index, int64_t v) { return bind(index, SqlValue::integer(v)); }
    virtual bool step() = 0;                          // true: a row is available
    virtual void reset() = 0;                         // ready to run again, bindings cleared
    virtual SqlValue column(int index) const = 0;     // 0-based
    virtual int64_t changes() const = 0;              // rows the last INSERT/UPDATE/DELETE changed
};

// A statement borrowed from the Database's cache, reset when it goes away (a cached
// SELECT never keeps a read open).
class CachedStatement {
public:
    explicit CachedStatement(Statement& s) : s_(s) {}
    ~CachedStatement() { s_.reset(); }
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    Statement* operator->() { return &s_; }
    Statement& operator*() { return s_; }

private:
    Statement& s_;
};

// Held for a whole migration job; released on destruction and by the database or
// the kernel when the process dies (kill -9 included), so a killed run can resume.
class MigrationLock {
public:
    virtual ~MigrationLock() = default;
};

// How a backend spells what the core's SQL needs.
struct SqlDialect {
    std::string same_value;        // null-safe equality operator: "IS", "IS NOT DISTINCT FROM", "<=>"
    std::string lock_rows;         // appended to a SELECT that locks its rows: "" or " FOR UPDATE"
    // Journal column types (typed so every backend can index them).
    std::string serial_key;        // "INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY", ...
    std::string short_text;        // target names, timestamps
    std::string key_text;          // encoded row keys (indexed)
    std::string bytes;             // values
    std::string integer;
    bool transactional_ddl = true; // MySQL commits DDL implicitly
};

class Database {
public:
    enum class Mode { read_only, read_write };
    virtual ~Database() = default;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const DatabaseAddress& address() const { return address_; }
    const std::string& name() const { return name_; }   // for messages: address().display()

    virtual const SqlDialect& dialect() const = 0;
    virtual std::string quote(const std::string& identifier) const = 0;
    // `expr` compared and ordered byte by byte (MySQL's case-insensitive collations would
    // take two different Base64 values for one).
    virtual std::string bytewise(const std::string& expr) const { return expr; }

    virtual void exec(const std::string& sql) = 0;       // no results
    virtual std::unique_ptr<Statement> prepare(const std::string& sql) const = 0;  // one statement only
    // For statements run once per batch: prepared the first time, kept for the connection.
    CachedStatement cached(const std::string& sql) const;
    // Why `sql` would not run here (a missing column, a syntax error), or nullopt. Never
    // changes anything; a database another client holds is thrown, not returned.
    virtual std::optional<std::string> query_error(const std::string& sql) const = 0;

    // Table facts. Names resolve as unquoted SQL names do on this backend (PostgreSQL
    // folds to lower case), so a target's IDN_OAUTH_CONSUMER_APPS finds idn_oauth_consumer_apps.
    // The stored name, or nullopt when there is no such table.
    virtual std::optional<std::string> stored_table(const std::string& name) const = 0;
    virtual std::vector<std::string> columns(const std::string& stored_table) const = 0;
    // The primary key's columns (empty: none).
    virtual std::vector<std::string> primary_key(const std::string& stored_table) const = 0;
    // The names of the table's indexes (a primary key's too, where the backend names it).
    virtual std::vector<std::string> index_names(const std::string& stored_table) const = 0;
    // True when the columns (any order) are the primary key or a UNIQUE index.
    virtual bool declared_unique(const std::string& stored_table, const std::vector<std::string>& columns) const = 0;
    // The hidden row id a table without a key can be paged by (SQLite's "rowid"), if any.
    virtual std::optional<std::string> row_id(const std::string& stored_table) const = 0;

    // A write transaction that blocks other writers of the rows it locks; ROLLBACK
    // unless committed (Transaction below).
    virtual void begin_write() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    virtual bool in_transaction() const = 0;

    // One migration at a time per database: ErrorKind::refused naming the holder when held.
    virtual std::unique_ptr<MigrationLock> lock_for_migration() = 0;
    // Whether a live process holds it (status); nullopt: cannot tell.
    virtual std::optional<bool> migration_lock_held() const = 0;
    // Before anything is written anywhere: can this connection write here (permissions,
    // a read-only file or server, no privilege)? ErrorKind::input saying why not.
    virtual void check_writable() = 0;

    // SQLite only: a consistent copy of the whole database file (mode 0600, never over an
    // existing file). Servers: false (their backups are the DBA's; run writes row backups).
    virtual bool can_copy_file() const { return false; }
    virtual void copy_file_to(const std::filesystem::path& to) const;
    // Space the dropped journal left in the file, and giving it back (SQLite VACUUM).
    virtual std::optional<int64_t> free_bytes() const { return std::nullopt; }
    virtual void vacuum() {}

protected:
    // The first column of every row `sql` returns with `arg` bound to its one `?`
    // (NULLs, such as an index on an expression, are left out): the backends' catalog lookups.
    std::vector<std::string> strings(const std::string& sql, const std::string& arg) const;
    explicit Database(DatabaseAddress address) : address_(std::move(address)), name_(address_.display()) {}

private:
    DatabaseAddress address_;
    std::string name_;
    mutable std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;

protected:
    // Backends drop the cache before closing their connection.
    void clear_cache() { cache_.clear(); }
};

// Opens the database. Neither mode ever creates one (a missing SQLite file or server
// database is ErrorKind::input naming it). read_only never changes anything: SQLite
// opens the file read-only, servers run every statement in READ ONLY transactions.
std::unique_ptr<Database> open_database(const DatabaseAddress& address, Database::Mode mode,
                                        const DatabaseCredentials& credentials = {});

// begin_write on construction; rollback unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db) : db_(db) { db_.begin_write(); }
    ~Transaction() {
        if (!done_) db_.rollback();
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        db_.commit();
        done_ = true;
    }

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace ksc
