// The in-database journal. Old and new values are bound as SqlValues into
// untyped columns (no affinity), so a BLOB stays a BLOB and its exact bytes come
// back for rollback.
#include "ksc/journal.hpp"

#include "ksc/clock.hpp"

#include "ksc/error.hpp"

#include <cstdint>
#include <ctime>

namespace ksc {
namespace {

constexpr const char* index_name = "KSMIGRATE_JOURNAL_TARGET_KEY";

std::string q(const char* name) { return quote_identifier(name); }

// Runs fn in the caller's transaction when there is one, else in its own.
template <typename Fn>
void in_transaction(Database& db, const Fn& fn) {
    if (!sqlite3_get_autocommit(db.handle())) return fn();
    Transaction tx(db);
    fn();
    tx.commit();
}

}  // namespace

bool Journal::exists(const Database& db) { return db.table_exists(run_table) || db.table_exists(entries_table); }

void Journal::begin_or_resume(const RunInfo& info) {
    in_transaction(db_, [&] {
        db_.exec("CREATE TABLE IF NOT EXISTS " + q(entries_table) +
                 " (seq INTEGER PRIMARY KEY, target TEXT NOT NULL, row_key TEXT NOT NULL,"
                 " old_value, new_value, n_values INTEGER NOT NULL, at TEXT NOT NULL)");
        db_.exec("CREATE INDEX IF NOT EXISTS " + q(index_name) + " ON " + q(entries_table) + " (target, row_key)");
        // One row only (id = 1): a database is migrated by one run at a time.
        db_.exec("CREATE TABLE IF NOT EXISTS " + q(run_table) +
                 " (id INTEGER PRIMARY KEY CHECK (id = 1), source_thumbprint TEXT NOT NULL,"
                 " target_thumbprint TEXT NOT NULL, started TEXT NOT NULL, finished TEXT, backup_file TEXT)");
        if (run_info()) {
            require_same_key_pair(info);
            return;  // resume: keep its start time and backup
        }
        auto s = db_.prepare("INSERT INTO " + q(run_table) +
                             " (id, source_thumbprint, target_thumbprint, started, finished, backup_file)"
                             " VALUES (1, ?1, ?2, ?3, ?4, ?5)");
        s.bind(1, info.source_thumbprint).bind(2, info.target_thumbprint).bind(3, info.started_at);
        s.bind(4, info.finished_at.empty() ? SqlValue{} : SqlValue::text(info.finished_at));
        s.bind(5, info.backup_file);
        s.step();
    });
}

void Journal::require_same_key_pair(const RunInfo& info) const {
    const auto existing = run_info();
    if (!existing) return;
    if (existing->source_thumbprint != info.source_thumbprint || existing->target_thumbprint != info.target_thumbprint)
        fail_refused(db_.file().string() + ": the journal holds a run from key " + existing->source_thumbprint +
                         " to key " + existing->target_thumbprint + " (started " + existing->started_at + ")",
                     "run `ksmigrate rollback` or `ksmigrate finalize` for that run first");
}

std::optional<RunInfo> Journal::run_info() const {
    if (!db_.table_exists(run_table)) return std::nullopt;
    auto s = db_.prepare("SELECT source_thumbprint, target_thumbprint, started, finished, backup_file FROM " +
                         q(run_table) + " WHERE id = 1");
    if (!s.step()) return std::nullopt;
    return RunInfo{s.column(0).bytes, s.column(1).bytes, s.column(2).bytes, s.column(3).bytes, s.column(4).bytes};
}

void Journal::mark_finished(const std::string& at) {
    auto s = db_.prepare("UPDATE " + q(run_table) + " SET finished = ?1 WHERE id = 1");
    s.bind(1, at).step();
}

void Journal::mark_unfinished() { db_.exec("UPDATE " + q(run_table) + " SET finished = NULL WHERE id = 1"); }

void Journal::record(const JournalEntry& e) {
    auto s = db_.cached("INSERT INTO " + q(entries_table) +
                        " (target, row_key, old_value, new_value, n_values, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s->bind(1, e.target).bind(2, e.row_key).bind(3, e.old_value).bind(4, e.new_value);
    s->bind(5, e.values).bind(6, utc_now());
    s->step();
}

std::optional<SqlValue> Journal::written_value(const std::string& target, const std::string& row_key) const {
    auto s = db_.cached("SELECT new_value FROM " + q(entries_table) +
                        " WHERE target = ?1 AND row_key = ?2 ORDER BY seq DESC LIMIT 1");
    s->bind(1, target).bind(2, row_key);
    if (!s->step()) return std::nullopt;
    return s->column(0);
}

std::vector<Journal::TargetSummary> Journal::summary() const {
    std::vector<TargetSummary> out;
    if (!db_.table_exists(entries_table)) return out;
    // Targets in the order the run first touched them.
    auto s = db_.prepare("SELECT target, count(*), total(n_values) FROM " + q(entries_table) +
                         " GROUP BY target ORDER BY min(seq)");
    while (s.step()) out.push_back({s.column(0).bytes, s.column(1).i, static_cast<int64_t>(s.column(2).d)});
    return out;
}

void Journal::for_each_newest_first(const std::function<void(const JournalEntry&)>& fn) const {
    // Chunks read into memory and the statement reset before fn runs, so fn may
    // delete_entry (rollback) without changing a table under an open SELECT.
    auto s = db_.prepare("SELECT seq, target, row_key, old_value, new_value, n_values FROM " + q(entries_table) +
                         " WHERE seq < ?1 ORDER BY seq DESC LIMIT 256");
    int64_t below = INT64_MAX;
    for (;;) {
        std::vector<JournalEntry> chunk;
        s.bind(1, below);
        while (s.step())
            chunk.push_back({s.column(0).i, s.column(1).bytes, s.column(2).bytes, s.column(3), s.column(4),
                             s.column(5).i});
        s.reset();
        if (chunk.empty()) return;
        below = chunk.back().seq;
        for (const auto& e : chunk) fn(e);
    }
}

void Journal::delete_entry(int64_t seq) {
    auto s = db_.prepare("DELETE FROM " + q(entries_table) + " WHERE seq = ?1");
    s.bind(1, seq).step();
}

void Journal::drop() {
    in_transaction(db_, [&] {
        db_.exec("DROP INDEX IF EXISTS " + q(index_name));
        db_.exec("DROP TABLE IF EXISTS " + q(entries_table));
        db_.exec("DROP TABLE IF EXISTS " + q(run_table));
    });
}

}  // namespace ksc
