// The SQLite backend. Two promises matter most here:
//  - a read-only open (plan, verify, status) never creates or changes a file;
//  - no open ever creates a new empty database where the operator named a missing one.
#include "db/backends.hpp"

#include "ksc/error.hpp"
#include "ksc/run_lock.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cctype>
#include <fstream>

namespace ksc {
namespace {

constexpr int busy_timeout_ms = 5000;

// "file:" URI for a path: everything but unreserved characters and '/' percent-encoded,
// so '?', '#' and '%' in a file name cannot be read as URI syntax.
std::string file_uri(const std::filesystem::path& p) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "file:";
    for (unsigned char c : p.string()) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// True when the header says WAL mode (file format read/write versions = 2).
bool is_wal_database(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::array<char, 20> h{};
    if (!in.read(h.data(), h.size())) return false;
    return std::string_view(h.data(), 16) == std::string_view("SQLite format 3\0", 16) && h[18] == 2 &&
           h[19] == 2;
}

std::filesystem::path with_suffix(const std::filesystem::path& p, const char* suffix) {
    return std::filesystem::path(p.string() + suffix);
}

// The URI for a read-only open. A WAL-mode database makes SQLite create -wal and
// -shm even for a read-only connection when they are missing. When there is no
// -wal with content, the main file holds every committed transaction and no other
// connection is open (the last one to close removes -wal), so `immutable=1` reads
// it without creating or locking anything. A -wal with content but no -shm is a
// crashed writer's leftover: reading without it would miss committed data, so refuse.
std::string read_only_uri(const std::filesystem::path& file) {
    if (!is_wal_database(file)) return file_uri(file) + "?mode=ro";
    std::error_code ec;
    const auto wal = with_suffix(file, "-wal");
    const auto shm = with_suffix(file, "-shm");
    const bool wal_exists = std::filesystem::exists(wal, ec);
    const bool shm_exists = std::filesystem::exists(shm, ec);
    if (wal_exists && shm_exists) return file_uri(file) + "?mode=ro";
    const auto wal_size = wal_exists ? std::filesystem::file_size(wal, ec) : 0;
    if (wal_exists && !ec && wal_size > 0)
        fail_input(file.string() + ": WAL-mode database has a -wal file but no -shm file; it cannot be read "
                                   "without changing files",
                   "open it once with the sqlite3 shell (or start the product) so the WAL is checkpointed, then retry");
    return file_uri(file) + "?mode=ro&immutable=1";
}

}  // namespace

// WSO2's embedded default is H2 (repository/database/WSO2AM_DB.mv.db), which an
// operator may well pass to --db: say what it is in one line instead of SQLite's
// "file is not a database". Also any other file that is not SQLite at all.
static void refuse_other_formats(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    char head[16] = {};
    in.read(head, sizeof head);
    const std::string_view h(head, static_cast<size_t>(in.gcount()));
    const bool h2 = h.starts_with("H:2,") || h.starts_with("-- H2 ");  // MVStore / old PageStore
    if (h2)
        fail_input(file.string() + ": this is an H2 database (WSO2's embedded default), not SQLite",
                   "ksmigrate reads SQLite database files; an H2 database cannot be migrated in place");
    if (!h.empty() && !h.starts_with("SQLite format 3"))
        fail_input(file.string() + ": not an SQLite database", "give the product's database file with --db");
}

namespace {

class SqliteDatabase;

class SqliteStatement final : public Statement {
public:
    SqliteStatement(sqlite3_stmt* s, const SqliteDatabase& db) : s_(s), db_(db) {}
    ~SqliteStatement() override { sqlite3_finalize(s_); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    using Statement::bind;
    Statement& bind(int index, const SqlValue& v) override;
    bool step() override;
    void reset() override {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    SqlValue column(int index) const override;
    int64_t changes() const override { return sqlite3_changes(sqlite3_db_handle(s_)); }

private:
    sqlite3_stmt* s_;
    const SqliteDatabase& db_;
};

class FileLock final : public MigrationLock {
public:
    explicit FileLock(const std::filesystem::path& db) : lock_(db) {}

private:
    RunLock lock_;
};

class SqliteDatabase final : public Database {
public:
    SqliteDatabase(const DatabaseAddress& address, Mode mode);
    ~SqliteDatabase() override {
        clear_cache();  // finalize the cached statements before the connection closes
        sqlite3_close_v2(db_);
    }

    const SqlDialect& dialect() const override {
        static const SqlDialect d{"IS", "", "INTEGER PRIMARY KEY", "TEXT", "TEXT", "BLOB", "INTEGER", true};
        return d;
    }
    std::string quote(const std::string& name) const override { return quote_double(name); }
    void exec(const std::string& sql) override {
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail("executing " + sql);
    }
    std::unique_ptr<Statement> prepare(const std::string& sql) const override;
    std::optional<std::string> query_error(const std::string& sql) const override;
    std::optional<std::string> stored_table(const std::string& name) const override;
    std::vector<std::string> columns(const std::string& table) const override {
        return strings("SELECT name FROM pragma_table_info(?)", table);
    }
    std::vector<std::string> primary_key(const std::string& table) const override {
        return strings("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", table);
    }
    std::vector<std::string> index_names(const std::string& table) const override {
        return strings("SELECT name FROM pragma_index_list(?)", table);
    }
    bool declared_unique(const std::string& table, const std::vector<std::string>& cols) const override;
    std::optional<std::string> row_id(const std::string& table) const override {
        // A WITHOUT ROWID table has none.
        if (query_error("SELECT rowid FROM " + quote(table) + " LIMIT 0")) return std::nullopt;
        return "rowid";
    }
    void begin_write() override { exec("BEGIN IMMEDIATE"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override {
        // A failed ROLLBACK leaves SQLite to roll the journal back at the next open: the same outcome.
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    bool in_transaction() const override { return !sqlite3_get_autocommit(db_); }
    std::unique_ptr<MigrationLock> lock_for_migration() override {
        return std::make_unique<FileLock>(address().file);
    }
    std::optional<bool> migration_lock_held() const override { return RunLock::is_held(address().file); }
    void check_writable() override;
    bool can_copy_file() const override { return true; }
    void copy_file_to(const std::filesystem::path& to) const override;
    std::optional<int64_t> free_bytes() const override {
        return pragma("PRAGMA freelist_count") * pragma("PRAGMA page_size");
    }
    void vacuum() override { exec("VACUUM"); }

    [[noreturn]] void fail(const std::string& what) const;

private:
    int64_t pragma(const char* sql) const {
        auto st = prepare(sql);
        return st->step() ? st->column(0).i : int64_t{0};
    }
    const std::string& file_name() const { return name(); }

    sqlite3* db_ = nullptr;
};

SqliteDatabase::SqliteDatabase(const DatabaseAddress& address, Mode mode) : Database(address) {
    const auto& file = address.file;
    std::error_code ec;
    const auto st = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(st)) fail_input(file.string() + ": database file does not exist");
    if (!std::filesystem::is_regular_file(st)) fail_input(file.string() + ": not a regular file");
    refuse_other_formats(file);

    // mode=rw (never rwc): SQLite itself also refuses to create a missing file.
    const std::string uri = mode == Mode::read_only ? read_only_uri(file) : file_uri(file) + "?mode=rw";
    const int flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX |
                      (mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
    const int rc = sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        fail_input(file.string() + ": cannot open database: " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Readers also wait: a writer in rollback-journal mode briefly locks readers out.
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    try {
        // SQLite reads lazily; read the schema now so "not a database" is reported at open.
        auto s = prepare("SELECT count(*) FROM sqlite_master");
        s->step();
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

void SqliteDatabase::fail(const std::string& what) const {
    const int code = sqlite3_extended_errcode(db_);
    const std::string msg = sqlite3_errmsg(db_);
    switch (code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            fail_refused(file_name() + ": another connection holds the database (" + what + ": " + msg + ")",
                         "stop the product or close other connections to the database, then retry");
        case SQLITE_FULL:
        case SQLITE_IOERR: {
            // "disk I/O error" alone does not tell the operator what to do; say when
            // the cause is a full disk, a quota or a file-size limit. The failed
            // transaction was rolled back, so a later run resumes cleanly.
            // SQLite often no longer holds the errno by the time COMMIT reports, so a
            // failed write is named as what it almost always is.
            const int sys = sqlite3_system_errno(db_);
            if ((code & 0xff) == SQLITE_FULL || sys == ENOSPC || sys == EFBIG || sys == EDQUOT ||
                code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_TRUNCATE)
                fail_input(file_name() + ": " + what + ": " +
                               ((code & 0xff) == SQLITE_FULL ? msg
                                : sys != 0            ? std::string(std::strerror(sys))
                                                      : "a write failed") +
                               " (no space left? disk full, quota or file-size limit); the unfinished "
                               "transaction was rolled back",
                           "free disk space (or raise the quota / file-size limit), then run the same command again");
            fail_input(file_name() + ": " + what + ": " + msg);
        }
        case SQLITE_READONLY:
            fail_input(file_name() + ": cannot write: the database file is read-only (" + msg + ")",
                       "check the file's permissions and that its folder is writable");
        default:
            fail_input(file_name() + ": " + what + ": " + msg);
    }
}

std::unique_ptr<Statement> SqliteDatabase::prepare(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, &tail) != SQLITE_OK)
        fail("preparing " + sql);
    auto st = std::make_unique<SqliteStatement>(s, *this);
    // One statement only: a targets file's `where` must not smuggle in a second one.
    for (; tail && *tail; ++tail)
        if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';')
            fail_input(file_name() + ": more than one SQL statement in: " + sql);
    return st;
}

std::optional<std::string> SqliteDatabase::query_error(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, &tail);
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) {
        // A database another connection holds is not a problem of the query.
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) fail("preparing " + sql);
        return std::string(sqlite3_errmsg(db_));
    }
    for (; tail && *tail; ++tail)
        if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') return "more than one SQL statement";
    return std::nullopt;
}

std::optional<std::string> SqliteDatabase::stored_table(const std::string& name) const {
    // SQLite's names are case-insensitive (ASCII), so is this lookup.
    auto found = strings("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", name);
    if (found.empty()) return std::nullopt;
    return found.front();
}

bool SqliteDatabase::declared_unique(const std::string& table, const std::vector<std::string>& cols) const {
    auto same_columns = [&](const std::vector<std::string>& have) { return same_names(have, cols); };
    if (same_columns(primary_key(table))) return true;
    for (const auto& index : strings("SELECT name FROM pragma_index_list(?) WHERE \"unique\" = 1", table))
        if (same_columns(strings("SELECT name FROM pragma_index_info(?)", index))) return true;
    return false;
}

void SqliteDatabase::check_writable() {
    // SQLITE_OPEN_READWRITE quietly falls back to read-only on a write-protected file,
    // and a folder SQLite cannot create its journal file in fails only at the first
    // commit: both are found here, before anything is written anywhere.
    const auto& f = address().file;
    std::string why;
    if (sqlite3_db_readonly(db_, "main") == 1) why = "the database file is read-only";
    else if (const auto folder = f.has_parent_path() ? f.parent_path() : std::filesystem::path(".");
             ::access(folder.c_str(), W_OK) != 0)
        why = "its folder " + folder.string() + " is not writable (SQLite creates its journal file there)";
    if (!why.empty())
        fail_input(f.string() + ": cannot write: " + why + "; nothing was changed",
                   "check the permissions of the file and its folder, or run as the database's owner");
    // A database the product holds: the busy timeout, then exit 4 with nothing changed.
    begin_write();
    rollback();
}

void SqliteDatabase::copy_file_to(const std::filesystem::path& to) const {
    // Create the file ourselves: 0600 whatever the umask allows more of, and never
    // over an existing file (an older backup may be the only good copy).
    const int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) fail_refused(to.string() + ": backup file already exists; not overwriting it");
        fail_input(to.string() + ": cannot create backup file: " + std::strerror(errno));
    }
    ::close(fd);

    sqlite3* dest = nullptr;
    std::string error;
    if (sqlite3_open_v2(file_uri(to).c_str(), &dest, SQLITE_OPEN_URI | SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        error = dest ? sqlite3_errmsg(dest) : "out of memory";
    } else if (sqlite3_backup* b = sqlite3_backup_init(dest, "main", db_, "main")) {
        int rc;
        // The source may be briefly locked by a writer: retry for about busy_timeout_ms.
        for (int tries = 0;; ++tries) {
            rc = sqlite3_backup_step(b, -1);
            if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < busy_timeout_ms / 100) {
                sqlite3_sleep(100);
                continue;
            }
            break;
        }
        sqlite3_backup_finish(b);
        if (rc != SQLITE_DONE) error = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? "busy" : sqlite3_errstr(rc);
    } else {
        error = sqlite3_errmsg(dest);
    }
    sqlite3_close(dest);
    if (!error.empty()) {
        std::error_code ec;
        std::filesystem::remove(to, ec);
        if (error == "busy")
            fail_refused(file_name() + ": another connection holds the database; backup not made",
                         "stop the product or close other connections to the database, then retry");
        fail_input(file_name() + ": backup to " + to.string() + " failed: " + error);
    }
}

Statement& SqliteStatement::bind(int index, const SqlValue& v) {
    int rc = SQLITE_OK;
    switch (v.type) {
        case SqlValue::Type::null: rc = sqlite3_bind_null(s_, index); break;
        case SqlValue::Type::integer: rc = sqlite3_bind_int64(s_, index, v.i); break;
        case SqlValue::Type::real: rc = sqlite3_bind_double(s_, index, v.d); break;
        // data() is never null, so an empty string binds as '' / x'' and not as NULL.
        case SqlValue::Type::text:
            rc = sqlite3_bind_text64(s_, index, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
            break;
        case SqlValue::Type::blob:
            rc = sqlite3_bind_blob64(s_, index, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT);
            break;
    }
    if (rc != SQLITE_OK) db_.fail("binding parameter " + std::to_string(index));
    return *this;
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const char* sql = sqlite3_sql(s_);
    db_.fail(std::string("running ") + (sql ? sql : "statement"));
}

SqlValue SqliteStatement::column(int index) const {
    SqlValue v;
    switch (sqlite3_column_type(s_, index)) {
        case SQLITE_INTEGER:
            v.type = SqlValue::Type::integer;
            v.i = sqlite3_column_int64(s_, index);
            break;
        case SQLITE_FLOAT:
            v.type = SqlValue::Type::real;
            v.d = sqlite3_column_double(s_, index);
            break;
        case SQLITE_TEXT: {
            v.type = SqlValue::Type::text;
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, index));
            if (p) v.bytes.assign(p, static_cast<size_t>(sqlite3_column_bytes(s_, index)));
            break;
        }
        case SQLITE_BLOB: {
            v.type = SqlValue::Type::blob;
            const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, index));
            if (p) v.bytes.assign(p, static_cast<size_t>(sqlite3_column_bytes(s_, index)));
            break;
        }
        default: break;  // NULL
    }
    return v;
}

}  // namespace

std::unique_ptr<Database> open_sqlite(const DatabaseAddress& address, Database::Mode mode) {
    return std::make_unique<SqliteDatabase>(address, mode);
}

}  // namespace ksc
