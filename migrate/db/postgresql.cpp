// The PostgreSQL backend, over libpq. Every statement is one round trip
// (PQexecParams: parse, bind and execute in one message exchange).
//  - read-only: the session's transactions are READ ONLY (default_transaction_read_only),
//    so plan, verify and status cannot change anything even by mistake;
//  - the migration lock is a session advisory lock: the server releases it when the
//    connection ends, kill -9 of ksmigrate included;
//  - values: BYTEA travels in binary (its bytes exactly), text as text.
#include "db/backends.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <libpq-fe.h>

#include <cstdio>
#include <cstring>
#include <map>

namespace ksc {
namespace {

constexpr Oid bytea_oid = 17;
// "ksmigrat" as a number: the advisory lock key ksmigrate holds in each database.
constexpr int64_t lock_key = 0x6B736D6967726174LL;

struct PgResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// `?` placeholders as PostgreSQL's $1, $2, ...
std::string numbered_parameters(const std::string& sql, int& count) {
    std::string out;
    size_t from = 0;
    count = 0;
    for (size_t at : placeholders(sql, false)) {
        out.append(sql, from, at - from).append("$").append(std::to_string(++count));
        from = at + 1;
    }
    return out.append(sql, from, std::string::npos);
}

// The first line of a libpq message ("FATAL:  password authentication failed for user x").
std::string first_line(const char* msg) {
    std::string s = msg ? msg : "";
    if (const auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    for (const char* prefix : {"ERROR:  ", "FATAL:  "})
        if (s.starts_with(prefix)) s = s.substr(std::strlen(prefix));
    return s;
}

class PgDatabase;

class PgStatement final : public Statement {
public:
    PgStatement(const PgDatabase& db, std::string sql, int n_params)
        : db_(db), sql_(std::move(sql)), params_(static_cast<size_t>(n_params)) {}
    using Statement::bind;
    Statement& bind(int index, const SqlValue& v) override;
    bool step() override;
    void reset() override {
        result_.reset();
        row_ = -1;
        for (auto& p : params_) p = SqlValue{};
    }
    SqlValue column(int index) const override;
    int64_t changes() const override {
        const char* n = result_ ? PQcmdTuples(result_.get()) : "";
        return *n ? std::stoll(n) : 0;
    }

private:
    const PgDatabase& db_;
    std::string sql_;
    std::vector<SqlValue> params_;
    PgResult result_;
    int row_ = -1;
};

class AdvisoryLock final : public MigrationLock {
public:
    explicit AdvisoryLock(PgDatabase& db) : db_(db) {}
    ~AdvisoryLock() override;

private:
    PgDatabase& db_;
};

class PgDatabase final : public Database {
public:
    PgDatabase(const DatabaseAddress& address, Mode mode, const DatabaseCredentials& credentials);
    ~PgDatabase() override {
        clear_cache();
        PQfinish(conn_);
    }
    const SqlDialect& dialect() const override {
        static const SqlDialect d{"IS NOT DISTINCT FROM", " FOR UPDATE", "BIGSERIAL PRIMARY KEY", "VARCHAR(255)",
                                  "TEXT", "BYTEA", "BIGINT", true};
        return d;
    }
    std::string quote(const std::string& name) const override { return quote_double(name); }
    void exec(const std::string& sql) override { run(sql, {}); }
    std::unique_ptr<Statement> prepare(const std::string& sql) const override {
        int n = 0;
        std::string numbered = numbered_parameters(sql, n);
        return std::make_unique<PgStatement>(*this, std::move(numbered), n);
    }
    std::optional<std::string> query_error(const std::string& sql) const override {
        int n = 0;
        const std::string numbered = numbered_parameters(sql, n);
        // Parsing and planning an unnamed statement checks names without running it.
        PgResult r(PQprepare(conn_, "", numbered.c_str(), n, nullptr));
        if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) return std::nullopt;
        lost_connection("checking a query");
        return first_line(PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY));
    }
    std::optional<std::string> stored_table(const std::string& name) const override;
    std::vector<std::string> columns(const std::string& table) const override {
        return strings("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 "
                     "AND NOT attisdropped ORDER BY attnum",
                     quote(table));
    }
    std::vector<std::string> primary_key(const std::string& table) const override {
        return strings("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                     "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisprimary "
                     "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                     quote(table));
    }
    std::vector<std::string> index_names(const std::string& table) const override {
        return strings("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE i.indrelid = to_regclass(?)",
                       quote(table));
    }
    bool declared_unique(const std::string& table, const std::vector<std::string>& cols) const override;
    std::optional<std::string> row_id(const std::string&) const override { return std::nullopt; }
    void begin_write() override { exec("BEGIN"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }
    bool in_transaction() const override { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
    std::unique_ptr<MigrationLock> lock_for_migration() override;
    std::optional<bool> migration_lock_held() const override;
    void check_writable() override;
    void connected();   // the connection's state checked, the session set up

    // Runs one statement with its parameters; errors are thrown (never the values).
    PgResult run(const std::string& numbered_sql, const std::vector<SqlValue>& params) const;
    [[noreturn]] void fail(const PGresult* r, const std::string& what) const;
    void lost_connection(const std::string& what) const {
        if (PQstatus(conn_) == CONNECTION_BAD)
            fail_input(name() + ": the connection to the server was lost while " + what,
                       "the unfinished transaction was rolled back by the server; run the same command again");
    }

private:
    PGconn* conn_ = nullptr;
};

PgDatabase::PgDatabase(const DatabaseAddress& address, Mode mode, const DatabaseCredentials& credentials)
    : Database(address) {
    std::vector<std::string> keys{"host", "dbname", "application_name", "connect_timeout"};
    std::vector<std::string> values{address.host, address.database, "ksmigrate", "10"};
    if (address.port) keys.push_back("port"), values.push_back(std::to_string(address.port));
    if (!address.user.empty()) keys.push_back("user"), values.push_back(address.user);
    // A row the product holds locked makes a batch wait 5 s at most, then refuse (exit 4).
    std::string options = "-c lock_timeout=5000";
    if (mode == Mode::read_only) options += " -c default_transaction_read_only=on";
    for (const auto& [k, v] : address.options) {
        if (k == "options") options += " " + v;
        else keys.push_back(k), values.push_back(v);
    }
    keys.push_back("options"), values.push_back(options);
    std::string password;  // held only for the connect call
    if (const Password* given = credentials.for_database(address)) {
        const auto& p = given->utf8();
        password.assign(p.begin(), p.end());
        keys.push_back("password"), values.push_back(password);
    }
    std::vector<const char*> k, v;
    for (size_t i = 0; i < keys.size(); ++i) k.push_back(keys[i].c_str()), v.push_back(values[i].c_str());
    k.push_back(nullptr), v.push_back(nullptr);
    conn_ = PQconnectdbParams(k.data(), v.data(), 0);
    std::fill(password.begin(), password.end(), '\0');
    for (auto& s : values) std::fill(s.begin(), s.end(), '\0');
    if (!conn_) fail_input(name() + ": cannot connect: out of memory");
    // A constructor that throws runs no destructor: the connection is closed here.
    try {
        connected();
    } catch (...) {
        PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
}

void PgDatabase::connected() {
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string why = first_line(PQerrorMessage(conn_));
        std::string hint = "check the URL, that the server runs and accepts connections from here";
        if (why.find("password") != std::string::npos)
            hint = "give the database password with --db-password-file FILE or --db-password-env NAME";
        else if (why.find("does not exist") != std::string::npos)
            hint = "check the database and user names in the URL";
        fail_input(name() + ": cannot connect: " + why, hint);
    }
    // Values are ASCII; names and messages are read as UTF-8 whatever the database's encoding.
    exec("SET client_encoding = 'UTF8'");
}

PgResult PgDatabase::run(const std::string& sql, const std::vector<SqlValue>& params) const {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    std::vector<Oid> types(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        const SqlValue& p = params[i];
        switch (p.type) {
            case SqlValue::Type::null: values[i] = nullptr; break;
            case SqlValue::Type::integer: text[i] = std::to_string(p.i); break;
            case SqlValue::Type::real: text[i] = real_text(p.d); break;
            case SqlValue::Type::text: text[i] = p.bytes; break;
            case SqlValue::Type::blob:
                // Binary and typed: BYTEA gets exactly these bytes.
                types[i] = bytea_oid;
                formats[i] = 1;
                lengths[i] = static_cast<int>(p.bytes.size());
                values[i] = p.bytes.data();
                continue;
        }
        if (p.type != SqlValue::Type::null) values[i] = text[i].c_str();
    }
    PgResult r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                          lengths.data(), formats.data(), 0));
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r.get(), "running " + sql);
    return r;
}

void PgDatabase::fail(const PGresult* r, const std::string& what) const {
    lost_connection(what);
    const std::string state = r ? (PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "") : "";
    const std::string msg = first_line(r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(conn_));
    if (state == "55P03" || state == "40P01" || state == "40001")
        fail_refused(name() + ": rows are locked by another connection (" + msg + ")",
                     "the batch was rolled back; run the same command again when the product is quieter");
    if (state == "42501")
        fail_input(name() + ": permission denied (" + msg + ")",
                   "grant the database user the privileges ksmigrate needs (README.md \"Databases\")");
    if (state == "25006")
        fail_input(name() + ": cannot write: the database is read-only here (" + msg + ")",
                   "connect to the primary server, not a standby");
    fail_input(name() + ": " + what + ": " + msg);
}

Statement& PgStatement::bind(int index, const SqlValue& v) {
    if (index < 1 || static_cast<size_t>(index) > params_.size())
        fail_internal("binding parameter " + std::to_string(index) + " of " + std::to_string(params_.size()));
    params_[static_cast<size_t>(index - 1)] = v;
    return *this;
}

bool PgStatement::step() {
    if (!result_) {
        result_ = db_.run(sql_, params_);
        row_ = -1;
    }
    return ++row_ < PQntuples(result_.get());
}

SqlValue PgStatement::column(int index) const {
    PGresult* r = result_.get();
    if (!r || row_ < 0 || row_ >= PQntuples(r) || index >= PQnfields(r)) fail_internal("reading a column that is not there");
    if (PQgetisnull(r, row_, index)) return {};
    const char* p = PQgetvalue(r, row_, index);
    const std::string s(p, static_cast<size_t>(PQgetlength(r, row_, index)));
    switch (PQftype(r, index)) {
        case 20: case 21: case 23: case 26: return SqlValue::integer(std::stoll(s));  // int8/int2/int4/oid
        case 700: case 701: {  // float4/float8
            SqlValue v;
            v.type = SqlValue::Type::real;
            v.d = std::stod(s);
            return v;
        }
        case bytea_oid: {
            size_t n = 0;
            unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &n);
            if (!raw) fail_input(db_.name() + ": out of memory reading a BYTEA value");
            SqlValue v = SqlValue::blob(std::string(reinterpret_cast<const char*>(raw), n));
            PQfreemem(raw);
            return v;
        }
        default: return SqlValue::text(s);
    }
}

std::optional<std::string> PgDatabase::stored_table(const std::string& name) const {
    // First as unquoted SQL reads the name (folded to lower case, along the search_path),
    // then as written (a table created with a quoted upper-case name).
    for (const std::string& spelled : {name, quote(name)}) {
        auto s = prepare("SELECT c.relname FROM pg_class c WHERE c.oid = to_regclass(?) AND c.relkind IN ('r', 'p')");
        s->bind(1, spelled);
        if (s->step()) return s->column(0).bytes;
    }
    return std::nullopt;
}

bool PgDatabase::declared_unique(const std::string& table, const std::vector<std::string>& cols) const {
    // Unique indexes without a predicate (a partial index is unique only where it applies).
    auto s = prepare("SELECT i.indexrelid, a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                     "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisunique "
                     "AND i.indpred IS NULL AND NOT (0 = ANY(i.indkey))");
    s->bind(1, quote(table));
    std::map<int64_t, std::vector<std::string>> indexes;
    while (s->step()) indexes[s->column(0).i].push_back(s->column(1).bytes);
    for (const auto& [id, names] : indexes)
        if (same_names(names, cols)) return true;
    return false;
}

std::unique_ptr<MigrationLock> PgDatabase::lock_for_migration() {
    auto s = prepare("SELECT pg_try_advisory_lock(?::bigint)");
    s->bind(1, lock_key);
    if (s->step() && s->column(0).bytes == "t") return std::make_unique<AdvisoryLock>(*this);
    // Who holds it: the server process and its client, for the operator.
    std::string holder;
    auto h = prepare("SELECT a.pid, coalesce(host(a.client_addr), 'local'), a.backend_start::text FROM pg_locks l "
                     "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                     "AND l.classid = ?::bigint::oid AND l.objid = ?::bigint::oid AND l.objsubid = 1 "
                     "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    h->bind(1, static_cast<int64_t>(static_cast<uint64_t>(lock_key) >> 32)).bind(2, lock_key & 0xffffffffLL);
    if (h->step())
        holder = ": server process " + std::to_string(h->column(0).i) + " for client " + h->column(1).bytes +
                 " since " + h->column(2).bytes;
    fail_refused("another ksmigrate run holds " + name() + holder,
                 "wait for it to finish; the lock is released as soon as that connection ends");
}

std::optional<bool> PgDatabase::migration_lock_held() const {
    auto s = prepare("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     "AND classid = ?::bigint::oid AND objid = ?::bigint::oid AND objsubid = 1 "
                     "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    s->bind(1, static_cast<int64_t>(static_cast<uint64_t>(lock_key) >> 32)).bind(2, lock_key & 0xffffffffLL);
    return s->step() && s->column(0).i > 0;
}

AdvisoryLock::~AdvisoryLock() {
    try {
        auto s = db_.prepare("SELECT pg_advisory_unlock(?::bigint)");
        s->bind(1, lock_key);
        s->step();
    } catch (...) {
        // The server releases it with the connection in any case.
    }
}

void PgDatabase::check_writable() {
    auto s = prepare("SELECT pg_is_in_recovery(), current_setting('transaction_read_only'), "
                     "has_schema_privilege(current_schema(), 'CREATE'), current_schema()");
    if (!s->step()) return;
    if (s->column(0).bytes == "t")
        fail_input(name() + ": cannot write: the server is a standby (in recovery); nothing was changed",
                   "connect to the primary server");
    if (s->column(1).bytes == "on")
        fail_input(name() + ": cannot write: the session is read-only (default_transaction_read_only); nothing was changed",
                   "connect as a user or to a server that allows writes");
    if (s->column(2).bytes != "t" && !stored_table("KSMIGRATE_RUN"))
        fail_input(name() + ": the user may not create tables in schema " + s->column(3).bytes +
                       " (ksmigrate keeps its journal there); nothing was changed",
                   "GRANT CREATE ON SCHEMA " + s->column(3).bytes + " to the database user, or run as the schema's owner");
}

}  // namespace

std::unique_ptr<Database> open_postgresql(const DatabaseAddress& address, Database::Mode mode,
                                          const DatabaseCredentials& credentials) {
    return std::make_unique<PgDatabase>(address, mode, credentials);
}

}  // namespace ksc
