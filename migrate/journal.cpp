// The in-database journal, in typed columns every backend can index: a value is
// kept as its storage class (one letter) and its exact bytes, so a BLOB comes back
// as a BLOB for rollback and a TEXT as TEXT. Lookups and inserts go a chunk of rows
// per statement, so a remote database costs a round trip per batch, not per row.
#include "ksc/journal.hpp"

#include "ksc/clock.hpp"
#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace ksc {
namespace {

// Entries per statement: a few hundred parameters stay inside every backend's limit.
constexpr size_t chunk = 100;

// Runs fn in the caller's transaction when there is one, else in its own.
template <typename Fn>
void in_transaction(Database& db, const Fn& fn) {
    if (db.in_transaction()) return fn();
    Transaction tx(db);
    fn();
    tx.commit();
}

std::string placeholders(size_t n, const std::string& one) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + one;
    return out;
}

// A value as (storage class, bytes) and back.
SqlValue type_of(const SqlValue& v) {
    switch (v.type) {
        case SqlValue::Type::null: return SqlValue::text("n");
        case SqlValue::Type::integer: return SqlValue::text("i");
        case SqlValue::Type::real: return SqlValue::text("r");
        case SqlValue::Type::text: return SqlValue::text("t");
        case SqlValue::Type::blob: return SqlValue::text("b");
    }
    return SqlValue::text("n");
}
SqlValue bytes_of(const SqlValue& v) {
    switch (v.type) {
        case SqlValue::Type::null: return {};
        case SqlValue::Type::integer: return SqlValue::blob(std::to_string(v.i));
        case SqlValue::Type::real: return SqlValue::blob(real_text(v.d));
        case SqlValue::Type::text:
        case SqlValue::Type::blob: return SqlValue::blob(v.bytes);
    }
    return {};
}
// The run table's key-id columns. A journal made before AES support names them for
// certificate thumbprints; its values are the same RSA key ids, so it stays usable.
struct KeyColumns { const char* source; const char* target; };
KeyColumns key_columns(const Database& db) {
    if (const auto stored = db.stored_table(Journal::run_table))
        for (const auto& c : db.columns(*stored))
            if (equals_ignore_case(c, "source_thumbprint")) return {"source_thumbprint", "target_thumbprint"};
    return {"source_key_id", "target_key_id"};
}

SqlValue value_of(const SqlValue& type, const SqlValue& bytes) {
    const std::string t = type.bytes;
    if (t == "i") return SqlValue::integer(std::stoll(bytes.bytes));
    if (t == "r") {
        SqlValue v;
        v.type = SqlValue::Type::real;
        v.d = std::stod(bytes.bytes);
        return v;
    }
    if (t == "t") return SqlValue::text(bytes.bytes);
    if (t == "b") return SqlValue::blob(bytes.bytes);
    return {};
}

// The target key column holds the raw AES form too, when there is one.
constexpr std::string_view raw_aes_mark = " +raw-aes=";

std::string stored_target(const RunInfo& info) {
    return info.raw_aes.empty() ? info.target_key : info.target_key + std::string(raw_aes_mark) + info.raw_aes;
}

// The run row, if the run table has one.
std::optional<RunInfo> read_run(const Database& db) {
    if (!db.stored_table(Journal::run_table)) return std::nullopt;
    const KeyColumns k = key_columns(db);
    auto s = db.prepare(std::string("SELECT ").append(k.source).append(", ").append(k.target)
                            .append(", started, finished, backup_file FROM ").append(db.quote(Journal::run_table))
                            .append(" WHERE id = 1"));
    if (!s->step()) return std::nullopt;
    RunInfo info{s->column(0).bytes, s->column(1).bytes, s->column(2).bytes, s->column(3).bytes, s->column(4).bytes, ""};
    if (const auto at = info.target_key.find(raw_aes_mark); at != std::string::npos) {
        info.raw_aes = info.target_key.substr(at + raw_aes_mark.size());
        info.target_key.resize(at);
    }
    return info;
}

bool has_journal_index(const Database& db, const std::string& stored_entries) {
    for (const auto& name : db.index_names(stored_entries))
        if (equals_ignore_case(name, Journal::index_name)) return true;
    return false;
}

}  // namespace

bool Journal::exists(const Database& db) {
    return db.stored_table(run_table).has_value() || db.stored_table(entries_table).has_value();
}

bool Journal::has_run(const Database& db) { return read_run(db).has_value(); }

void Journal::begin_or_resume(const RunInfo& info) {
    const SqlDialect& d = db_.dialect();
    const std::string entries = db_.quote(entries_table), run = db_.quote(run_table);
    // Each step is skipped when done already: MySQL commits every CREATE on its own, so
    // a run killed in between leaves the entries table without its index or without the
    // run table, and the next run completes what is missing (and, with no run row,
    // starts afresh). Elsewhere it is all one transaction: all or nothing.
    in_transaction(db_, [&] {
        if (!db_.stored_table(entries_table))
            db_.exec("CREATE TABLE " + entries + " (seq " + d.serial_key + ", target " + d.short_text +
                     " NOT NULL, row_key " + d.key_text + " NOT NULL, old_type CHAR(1) NOT NULL, old_value " + d.bytes +
                     ", new_type CHAR(1) NOT NULL, new_value " + d.bytes + ", n_values " + d.integer +
                     " NOT NULL, at " + d.short_text + " NOT NULL)");
        if (fault_) fault_("journal-tables");
        if (!has_journal_index(db_, *db_.stored_table(entries_table)))
            db_.exec("CREATE INDEX " + db_.quote(index_name) + " ON " + entries + " (target, row_key)");
        // One row only (id = 1): a database is migrated by one run at a time.
        if (!db_.stored_table(run_table))
            db_.exec("CREATE TABLE " + run + " (id " + d.integer + " PRIMARY KEY CHECK (id = 1), source_key_id " +
                     d.short_text + " NOT NULL, target_key_id " + d.short_text + " NOT NULL, started " +
                     d.short_text + " NOT NULL, finished " + d.short_text + ", backup_file " + d.key_text + ")");
        const KeyColumns k = key_columns(db_);
        if (const auto existing = run_info()) {
            require_same_key_pair(info);
            if (existing->raw_aes.empty() && !info.raw_aes.empty()) {
                auto s = db_.prepare(std::string("UPDATE ").append(run).append(" SET ").append(k.target)
                                         .append(" = ? WHERE id = 1"));
                s->bind(1, stored_target(info)).step();
            }
            return;  // resume: keep its start time and backup
        }
        auto s = db_.prepare(std::string("INSERT INTO ").append(run).append(" (id, ").append(k.source).append(", ")
                                 .append(k.target).append(", started, finished, backup_file) VALUES (1, ?, ?, ?, ?, ?)"));
        s->bind(1, info.source_key).bind(2, stored_target(info)).bind(3, info.started_at);
        s->bind(4, info.finished_at.empty() ? SqlValue{} : SqlValue::text(info.finished_at));
        s->bind(5, info.backup_file);
        s->step();
    });
}

void Journal::require_same_key_pair(const RunInfo& info) const {
    const auto existing = run_info();
    if (!existing) return;
    const bool other_form = !existing->raw_aes.empty() && !info.raw_aes.empty() && existing->raw_aes != info.raw_aes;
    if (existing->source_key != info.source_key || existing->target_key != info.target_key || other_form)
        fail_refused(db_.name() + ": the journal holds a run from key " + existing->source_key + " to key " +
                         stored_target(*existing) + " (started " + existing->started_at + "); this run is from key " +
                         info.source_key + " to key " + stored_target(info),
                     "resume that run with its keys (and its --raw-aes form), or run `ksmigrate rollback` or "
                     "`ksmigrate finalize` for it first");
}

std::optional<RunInfo> Journal::run_info() const { return read_run(db_); }

void Journal::mark_finished(const std::string& at) {
    auto s = db_.prepare("UPDATE " + db_.quote(run_table) + " SET finished = ? WHERE id = 1");
    s->bind(1, at).step();
}

void Journal::mark_unfinished() { db_.exec("UPDATE " + db_.quote(run_table) + " SET finished = NULL WHERE id = 1"); }

void Journal::record(const std::vector<JournalEntry>& entries) {
    const std::string at = utc_now();  // one clock read per batch
    for (size_t first = 0; first < entries.size(); first += chunk) {
        const size_t n = std::min(chunk, entries.size() - first);
        auto s = db_.cached("INSERT INTO " + db_.quote(entries_table) +
                            " (target, row_key, old_type, old_value, new_type, new_value, n_values, at) VALUES " +
                            placeholders(n, "(?, ?, ?, ?, ?, ?, ?, ?)"));
        int p = 1;
        for (size_t i = first; i < first + n; ++i) {
            const JournalEntry& e = entries[i];
            for (const SqlValue& v : {SqlValue::text(e.target), SqlValue::text(e.row_key), type_of(e.old_value),
                                      bytes_of(e.old_value), type_of(e.new_value), bytes_of(e.new_value),
                                      SqlValue::integer(e.values), SqlValue::text(at)})
                s->bind(p++, v);
        }
        s->step();
    }
}

bool Journal::has_entries(const std::string& target) const {
    if (!db_.stored_table(entries_table)) return false;
    auto s = db_.prepare("SELECT 1 FROM " + db_.quote(entries_table) + " WHERE target = ? LIMIT 1");
    s->bind(1, target);
    return s->step();
}

std::map<std::string, SqlValue> Journal::written_values(const std::string& target,
                                                        const std::vector<std::string>& row_keys) const {
    std::map<std::string, SqlValue> out;
    for (size_t first = 0; first < row_keys.size(); first += chunk) {
        const size_t n = std::min(chunk, row_keys.size() - first);
        // Oldest first, so the last write of a row is the one kept.
        auto s = db_.cached("SELECT row_key, new_type, new_value FROM " + db_.quote(entries_table) +
                            " WHERE target = ? AND row_key IN (" + placeholders(n, "?") + ") ORDER BY seq");
        s->bind(1, target);
        for (size_t i = 0; i < n; ++i) s->bind(static_cast<int>(i + 2), row_keys[first + i]);
        while (s->step()) out[s->column(0).bytes] = value_of(s->column(1), s->column(2));
    }
    return out;
}

std::vector<Journal::TargetSummary> Journal::summary() const {
    std::vector<TargetSummary> out;
    if (!db_.stored_table(entries_table)) return out;
    // Targets in the order the run first touched them.
    auto s = db_.prepare("SELECT target, count(*), sum(n_values) FROM " + db_.quote(entries_table) +
                         " GROUP BY target ORDER BY min(seq)");
    while (s->step()) {
        const SqlValue total = s->column(2);  // an integer, or a numeric PostgreSQL sends as text
        out.push_back({s->column(0).bytes, s->column(1).i,
                       total.type == SqlValue::Type::integer ? total.i : std::stoll(total.bytes)});
    }
    return out;
}

void Journal::for_each_chunk_newest_first(const std::function<void(const std::vector<JournalEntry>&)>& fn) const {
    // Each chunk is read into memory and its statement done before fn runs, so fn may
    // delete entries (rollback) without changing a table under an open SELECT.
    if (!db_.stored_table(entries_table)) return;  // a journal left half created
    auto s = db_.prepare("SELECT seq, target, row_key, old_type, old_value, new_type, new_value, n_values FROM " +
                         db_.quote(entries_table) + " WHERE seq < ? ORDER BY seq DESC LIMIT 256");
    int64_t below = INT64_MAX;
    for (;;) {
        std::vector<JournalEntry> entries;
        s->bind(1, below);
        while (s->step())
            entries.push_back({s->column(0).i, s->column(1).bytes, s->column(2).bytes,
                               value_of(s->column(3), s->column(4)), value_of(s->column(5), s->column(6)),
                               s->column(7).i});
        s->reset();
        if (entries.empty()) return;
        below = entries.back().seq;
        fn(entries);
    }
}

void Journal::delete_entries(const std::vector<int64_t>& seqs) {
    for (size_t first = 0; first < seqs.size(); first += chunk) {
        const size_t n = std::min(chunk, seqs.size() - first);
        auto s = db_.prepare("DELETE FROM " + db_.quote(entries_table) + " WHERE seq IN (" + placeholders(n, "?") + ")");
        for (size_t i = 0; i < n; ++i) s->bind(static_cast<int>(i + 1), seqs[first + i]);
        s->step();
    }
}

void Journal::drop() {
    in_transaction(db_, [&] {
        if (db_.stored_table(entries_table)) db_.exec("DROP TABLE " + db_.quote(entries_table));  // its index with it
        if (db_.stored_table(run_table)) db_.exec("DROP TABLE " + db_.quote(run_table));
    });
}

}  // namespace ksc
