// The MySQL / MariaDB backend, over MariaDB Connector/C (which also speaks to MySQL 8).
//  - Statements go over the text protocol with their parameters written as literals
//    by the client library's own escaping: one round trip per statement, like libpq's.
//    Values travel as bytes: results are not converted (character_set_results = NULL),
//    and a value that is not plain ASCII is written as a hex literal, so a latin1
//    column (WSO2's docs create the databases so) keeps its exact bytes.
//  - read-only: SET SESSION TRANSACTION READ ONLY, so plan, verify and status cannot
//    change anything even by mistake;
//  - the migration lock is GET_LOCK, released by the server when the connection ends;
//  - DDL commits implicitly here (SqlDialect::transactional_ddl = false).
#include "db/backends.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <errmsg.h>
#include <mysql.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace ksc {
namespace {

constexpr unsigned binary_charset = 63;  // the "binary" character set: BLOB/VARBINARY
constexpr unsigned lock_wait_seconds = 5;

struct MyResultDeleter {
    void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using MyResult = std::unique_ptr<MYSQL_RES, MyResultDeleter>;

class MyDatabase;

class MyStatement final : public Statement {
public:
    MyStatement(MyDatabase& db, std::string sql, std::vector<size_t> marks)
        : db_(db), sql_(std::move(sql)), marks_(std::move(marks)), params_(marks_.size()) {}
    using Statement::bind;
    Statement& bind(int index, const SqlValue& v) override {
        if (index < 1 || static_cast<size_t>(index) > params_.size())
            fail_internal("binding parameter " + std::to_string(index) + " of " + std::to_string(params_.size()));
        params_[static_cast<size_t>(index - 1)] = v;
        return *this;
    }
    bool step() override;
    void reset() override {
        result_.reset();
        row_ = nullptr;
        ran_ = false;
        for (auto& p : params_) p = SqlValue{};
    }
    SqlValue column(int index) const override;
    int64_t changes() const override { return changes_; }

private:
    MyDatabase& db_;
    std::string sql_;
    std::vector<size_t> marks_;   // offsets of the `?` placeholders in sql_
    std::vector<SqlValue> params_;
    MyResult result_;
    MYSQL_ROW row_ = nullptr;
    unsigned long* lengths_ = nullptr;
    bool ran_ = false;
    int64_t changes_ = 0;
};

class NamedLock final : public MigrationLock {
public:
    NamedLock(MyDatabase& db, std::string name) : db_(db), name_(std::move(name)) {}
    ~NamedLock() override;

private:
    MyDatabase& db_;
    std::string name_;
};

class MyDatabase final : public Database {
public:
    MyDatabase(const DatabaseAddress& address, Mode mode, const DatabaseCredentials& credentials);
    ~MyDatabase() override {
        clear_cache();
        mysql_close(conn_);
    }
    const SqlDialect& dialect() const override {
        // Binary strings for the journal's names: byte-exact, and an index on
        // (target, row_key) stays inside InnoDB's 3072-byte key limit.
        static const SqlDialect d{"<=>", " FOR UPDATE", "BIGINT AUTO_INCREMENT PRIMARY KEY", "VARBINARY(255)",
                                  "VARBINARY(2000)", "LONGBLOB", "BIGINT", false};
        return d;
    }
    std::string quote(const std::string& name) const override {
        std::string out = "`";
        for (char c : name) {
            if (c == '`') out += '`';
            out += c;
        }
        return out + "`";
    }
    std::string bytewise(const std::string& expr) const override { return "BINARY " + expr; }
    void exec(const std::string& sql) override { query(sql); }
    std::unique_ptr<Statement> prepare(const std::string& sql) const override;
    std::optional<std::string> query_error(const std::string& sql) const override {
        // A server-side prepare checks names and syntax without running anything.
        MYSQL_STMT* st = mysql_stmt_init(conn_);
        if (!st) fail_input(name() + ": out of memory");
        const int rc = mysql_stmt_prepare(st, sql.c_str(), sql.size());
        std::optional<std::string> error;
        if (rc != 0) error = mysql_stmt_error(st);
        const unsigned code = mysql_stmt_errno(st);
        mysql_stmt_close(st);
        if (error && (code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST)) fail("checking a query");
        return error;
    }
    std::optional<std::string> stored_table(const std::string& name) const override;
    std::vector<std::string> columns(const std::string& table) const override {
        return strings("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                     table);
    }
    std::vector<std::string> primary_key(const std::string& table) const override {
        return strings("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
                     table);
    }
    std::vector<std::string> index_names(const std::string& table) const override {
        return strings("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                       "AND TABLE_NAME = ?",
                       table);
    }
    bool declared_unique(const std::string& table, const std::vector<std::string>& cols) const override;
    std::optional<std::string> row_id(const std::string&) const override { return std::nullopt; }
    void begin_write() override {
        query("START TRANSACTION");
        in_tx_ = true;
    }
    void commit() override {
        query("COMMIT");
        in_tx_ = false;
    }
    void rollback() noexcept override {
        mysql_query(conn_, "ROLLBACK");
        in_tx_ = false;
    }
    bool in_transaction() const override { return in_tx_; }
    std::unique_ptr<MigrationLock> lock_for_migration() override;
    std::optional<bool> migration_lock_held() const override;
    void check_writable() override;

    // Runs one statement; a result set, if any, is stored. Errors are thrown.
    MyResult query(const std::string& sql) const;
    int64_t affected() const { return static_cast<int64_t>(mysql_affected_rows(conn_)); }
    // `v` as an SQL literal.
    std::string literal(const SqlValue& v) const;
    [[noreturn]] void fail(const std::string& what) const;
    std::string lock_name() const { return "ksmigrate:" + address().database; }

private:
    MYSQL* conn_ = nullptr;
    bool in_tx_ = false;
};

MyDatabase::MyDatabase(const DatabaseAddress& address, Mode mode, const DatabaseCredentials& credentials)
    : Database(address) {
    conn_ = mysql_init(nullptr);
    if (!conn_) fail_input(name() + ": cannot connect: out of memory");
    const unsigned timeout = 10;
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    for (const auto& [k, v] : address.options) {
        // The options operators pass to JDBC that mean the same here; others are ignored.
        if (equals_ignore_case(k, "useSSL") && v == "true") {
            const my_bool on = 1;
            mysql_options(conn_, MYSQL_OPT_SSL_ENFORCE, &on);
        }
    }
    std::string password;
    const Password* given = credentials.for_database(address);
    if (given) password.assign(given->utf8().begin(), given->utf8().end());
    // CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, as the other backends do.
    const bool ok = mysql_real_connect(conn_, address.host.c_str(), address.user.empty() ? nullptr : address.user.c_str(),
                                       given ? password.c_str() : nullptr, address.database.c_str(),
                                       static_cast<unsigned>(address.port), nullptr, CLIENT_FOUND_ROWS) != nullptr;
    std::fill(password.begin(), password.end(), '\0');
    if (!ok) {
        const std::string why = mysql_error(conn_);
        const unsigned code = mysql_errno(conn_);
        std::string hint = "check the URL, that the server runs and accepts connections from here";
        if (code == 1045) hint = "give the database password with --db-password-file FILE or --db-password-env NAME";
        else if (code == 1049) hint = "check the database name in the URL";
        mysql_close(conn_);
        conn_ = nullptr;
        fail_input(name() + ": cannot connect: " + why, hint);
    }
    // Results exactly as stored (no charset conversion); a locked row waits 5 s, then refuses.
    // A constructor that throws runs no destructor: the connection is closed here.
    try {
        query("SET character_set_results = NULL, innodb_lock_wait_timeout = " + std::to_string(lock_wait_seconds));
        if (mode == Mode::read_only) query("SET SESSION TRANSACTION READ ONLY");
    } catch (...) {
        mysql_close(conn_);
        conn_ = nullptr;
        throw;
    }
}

MyResult MyDatabase::query(const std::string& sql) const {
    if (mysql_real_query(conn_, sql.c_str(), sql.size()) != 0) fail("running " + sql.substr(0, 200));
    MyResult r(mysql_store_result(conn_));
    if (!r && mysql_field_count(conn_) != 0) fail("reading the result of " + sql.substr(0, 200));
    return r;
}

void MyDatabase::fail(const std::string& what) const {
    const unsigned code = mysql_errno(conn_);
    const std::string msg = mysql_error(conn_);
    if (code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST)
        fail_input(name() + ": the connection to the server was lost while " + what,
                   "the unfinished transaction was rolled back by the server; run the same command again");
    if (code == 1205 || code == 1213)  // lock wait timeout, deadlock
        fail_refused(name() + ": rows are locked by another connection (" + msg + ")",
                     "the batch was rolled back; run the same command again when the product is quieter");
    if (code == 1142 || code == 1044 || code == 1227)
        fail_input(name() + ": permission denied (" + msg + ")",
                   "grant the database user the privileges ksmigrate needs (README.md \"Databases\")");
    if (code == 1792 || code == 1290 || code == 1836)
        fail_input(name() + ": cannot write: the database is read-only here (" + msg + ")",
                   "connect to the primary server, not a replica");
    fail_input(name() + ": " + what + ": " + msg);
}

std::string MyDatabase::literal(const SqlValue& v) const {
    switch (v.type) {
        case SqlValue::Type::null: return "NULL";
        case SqlValue::Type::integer: return std::to_string(v.i);
        case SqlValue::Type::real: return real_text(v.d);
        case SqlValue::Type::text:
            if (std::all_of(v.bytes.begin(), v.bytes.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; })) {
                std::string out(v.bytes.size() * 2 + 1, '\0');
                const auto n = mysql_real_escape_string(conn_, out.data(), v.bytes.data(), v.bytes.size());
                out.resize(n);
                return "'" + out + "'";
            }
            [[fallthrough]];  // bytes that are not plain ASCII: as they are, in hex
        case SqlValue::Type::blob: {
            if (v.bytes.empty()) return v.type == SqlValue::Type::blob ? "_binary''" : "''";
            static constexpr char hex[] = "0123456789ABCDEF";
            std::string out = "X'";
            for (unsigned char c : v.bytes) {
                out += hex[c >> 4];
                out += hex[c & 15];
            }
            return out + "'";
        }
    }
    return "NULL";
}

// `?` placeholders (outside quotes and comments) are found once, when prepared.
std::unique_ptr<Statement> MyDatabase::prepare(const std::string& sql) const {
    std::vector<size_t> marks = placeholders(sql, true);
    // One statement only: a targets file's `where` must not smuggle in a second one
    // (the connection does not allow several either: CLIENT_MULTI_STATEMENTS is off).
    return std::make_unique<MyStatement>(const_cast<MyDatabase&>(*this), sql, std::move(marks));
}

bool MyStatement::step() {
    if (!ran_) {
        std::string sql;
        size_t from = 0;
        for (size_t i = 0; i < marks_.size(); ++i) {
            sql.append(sql_, from, marks_[i] - from);
            sql += db_.literal(params_[i]);
            from = marks_[i] + 1;
        }
        sql.append(sql_, from, std::string::npos);
        result_ = db_.query(sql);
        changes_ = result_ ? 0 : db_.affected();
        ran_ = true;
    }
    if (!result_) return false;
    row_ = mysql_fetch_row(result_.get());
    lengths_ = row_ ? mysql_fetch_lengths(result_.get()) : nullptr;
    return row_ != nullptr;
}

SqlValue MyStatement::column(int index) const {
    if (!row_ || index < 0 || static_cast<unsigned>(index) >= mysql_num_fields(result_.get()))
        fail_internal("reading a column that is not there");
    const auto i = static_cast<size_t>(index);
    if (!row_[i]) return {};
    const std::string s(row_[i], lengths_[i]);
    const MYSQL_FIELD* f = mysql_fetch_field_direct(result_.get(), static_cast<unsigned>(index));
    switch (f->type) {
        case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
            return SqlValue::integer(std::stoll(s));
        case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE: {
            SqlValue v;
            v.type = SqlValue::Type::real;
            v.d = std::stod(s);
            return v;
        }
        case MYSQL_TYPE_TINY_BLOB: case MYSQL_TYPE_MEDIUM_BLOB: case MYSQL_TYPE_LONG_BLOB: case MYSQL_TYPE_BLOB:
        case MYSQL_TYPE_VAR_STRING: case MYSQL_TYPE_STRING: case MYSQL_TYPE_VARCHAR:
            return f->charsetnr == binary_charset ? SqlValue::blob(s) : SqlValue::text(s);
        default: return SqlValue::text(s);
    }
}

std::optional<std::string> MyDatabase::stored_table(const std::string& name) const {
    // Table names are case-sensitive on Linux and unquoted SQL keeps the case: the exact
    // name first, then one that differs only in case (a schema made on Windows).
    const auto all = strings("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                           "AND TABLE_TYPE = 'BASE TABLE' AND LOWER(TABLE_NAME) = LOWER(?)",
                           name);
    for (const auto& t : all)
        if (t == name) return t;
    if (all.size() == 1) return all.front();
    return std::nullopt;
}

bool MyDatabase::declared_unique(const std::string& table, const std::vector<std::string>& cols) const {
    // Unique indexes over whole columns (a prefix index is unique only on the prefix).
    auto s = prepare("SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS WHERE "
                     "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0");
    s->bind(1, table);
    std::map<std::string, std::vector<std::string>> indexes;
    std::map<std::string, bool> prefix;
    while (s->step()) {
        const std::string index = s->column(0).bytes;
        indexes[index].push_back(s->column(1).bytes);
        if (s->column(2).type != SqlValue::Type::null) prefix[index] = true;
    }
    for (const auto& [index, names] : indexes)
        if (!prefix[index] && same_names(names, cols)) return true;
    return false;
}

std::unique_ptr<MigrationLock> MyDatabase::lock_for_migration() {
    auto s = prepare("SELECT GET_LOCK(?, 0)");
    s->bind(1, lock_name());
    if (s->step() && s->column(0).type == SqlValue::Type::integer && s->column(0).i == 1)
        return std::make_unique<NamedLock>(*this, lock_name());
    std::string holder;
    auto h = prepare("SELECT IS_USED_LOCK(?)");
    h->bind(1, lock_name());
    if (h->step() && h->column(0).type == SqlValue::Type::integer)
        holder = ": server connection " + std::to_string(h->column(0).i);
    fail_refused("another ksmigrate run holds " + name() + holder,
                 "wait for it to finish; the lock is released as soon as that connection ends");
}

std::optional<bool> MyDatabase::migration_lock_held() const {
    auto s = prepare("SELECT IS_USED_LOCK(?)");
    s->bind(1, lock_name());
    return s->step() && s->column(0).type != SqlValue::Type::null;
}

NamedLock::~NamedLock() {
    try {
        auto s = db_.prepare("SELECT RELEASE_LOCK(?)");
        s->bind(1, name_);
        s->step();
    } catch (...) {
        // The server releases it with the connection in any case.
    }
}

void MyDatabase::check_writable() {
    auto s = prepare("SELECT @@global.read_only");
    if (s->step() && s->column(0).type == SqlValue::Type::integer && s->column(0).i != 0)
        fail_input(name() + ": cannot write: the server is read-only (read_only = ON); nothing was changed",
                   "connect to the primary server, not a replica");
}

}  // namespace

std::unique_ptr<Database> open_mysql(const DatabaseAddress& address, Database::Mode mode,
                                     const DatabaseCredentials& credentials) {
    return std::make_unique<MyDatabase>(address, mode, credentials);
}

}  // namespace ksc
