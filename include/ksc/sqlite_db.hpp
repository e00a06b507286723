// A small RAII layer over SQLite: connections, prepared statements, transactions,
// and values that keep their storage class (TEXT stays TEXT, BLOB stays BLOB).
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ksc {

// One SQLite value with its storage class, copied out of a row.
struct SqlValue {
    enum class Type { null, integer, real, text, blob } type = Type::null;
    int64_t i = 0;
    double d = 0;
    std::string bytes;  // text (UTF-8) or blob bytes

    static SqlValue text(std::string s) { return {Type::text, 0, 0, std::move(s)}; }
    static SqlValue blob(std::string s) { return {Type::blob, 0, 0, std::move(s)}; }
    static SqlValue integer(int64_t v) { return {Type::integer, v, 0, {}}; }
    bool operator==(const SqlValue&) const = default;
};

class Statement;
class CachedStatement;

class Database {
public:
    enum class Mode { read_only, read_write };
    // Neither mode ever creates a database: a missing file is ErrorKind::input naming it
    // (to make a new database, write an empty file first). Both wait up to 5 s for a lock;
    // busy/locked after that is ErrorKind::refused.
    // read_only ("file:...?mode=ro") never creates or changes a file. A WAL-mode database
    // without its -wal/-shm is opened with immutable=1 (SQLite would create them otherwise);
    // one with a non-empty -wal but no -shm is ErrorKind::input (it cannot be read as is).
    // read_write on a file the process may not write opens, and the first write fails with
    // ErrorKind::input ("... the database file is read-only").
    Database(const std::filesystem::path& file, Mode mode);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const std::string& sql);                     // no results
    Statement prepare(const std::string& sql) const;       // one statement only
    // For statements run once per row (UPDATE, journal INSERT, lookups): prepared the
    // first time and kept for the life of the connection; reset when the handle goes away.
    CachedStatement cached(const std::string& sql) const;
    bool table_exists(const std::string& table) const;
    std::vector<std::string> columns(const std::string& table) const;
    int64_t changes() const;
    // Bytes of the file's free pages (freelist_count x page_size): space a dropped
    // table left that only VACUUM gives back to the file system.
    int64_t free_bytes() const;
    // Online backup API: a consistent copy to `to` (mode 0600). An existing `to` is never
    // overwritten (ErrorKind::refused); a failed backup leaves no file behind.
    void backup_to(const std::filesystem::path& to) const;
    const std::filesystem::path& file() const { return file_; }
    sqlite3* handle() const { return db_; }
    [[noreturn]] void fail(const std::string& what) const;  // ErrorKind::input with sqlite's message
                                                           // (busy/locked -> ErrorKind::refused)
private:
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
    mutable std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

class Statement {
public:
    Statement(sqlite3_stmt* s, const Database& db) : s_(s), db_(&db) {}
    ~Statement();
    Statement(Statement&& o) noexcept : s_(o.s_), db_(o.db_) { o.s_ = nullptr; }
    Statement(const Statement&) = delete;

    Statement& bind(int index, const SqlValue& v);   // 1-based
    Statement& bind(int index, const std::string& text);
    Statement& bind(int index, int64_t v);
    bool step();                                     // true: a row is available
    void reset();                                    // reset + clear bindings
    SqlValue column(int index) const;                // 0-based

private:
    sqlite3_stmt* s_;
    const Database* db_;
};

// A statement borrowed from the Database's cache: reset (bindings cleared, any read
// finished) when it goes away, so a cached SELECT never holds a read lock.
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

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

// "name" quoted as an SQL identifier.
std::string quote_identifier(const std::string& name);

}  // namespace ksc
