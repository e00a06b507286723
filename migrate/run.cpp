// run: re-encrypt every value under the source key for the target key, batch by
// batch. Each batch is one transaction holding the compare-and-set UPDATEs and
// their journal rows, so a run killed at any moment resumes where it stopped and
// can always be rolled back.
#include "config_step.hpp"
#include "database_set.hpp"
#include "progress.hpp"
#include "parallel_migrators.hpp"
#include "row_work.hpp"
#include "target_problems.hpp"

#include "row_backup.hpp"

#include "ksc/clock.hpp"
#include "ksc/compare_and_set.hpp"
#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/journal.hpp"
#include "ksc/migration.hpp"
#include "ksc/row_key.hpp"
#include "ksc/row_scan.hpp"

#include <array>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ksc {

namespace {

// Timestamped; a backup kept from an earlier run in the same second (rollback keeps
// them) gets a numbered neighbour instead of refusing the run. SQLite: a copy of the
// file beside it; a server: the rows' keys and old values in the current folder.
std::filesystem::path default_backup(const Database& db) {
    const std::string time = utc_now("%Y%m%dT%H%M%SZ");
    const std::string stem = db.can_copy_file() ? db.address().file.string() + ".ksmigrate-" + time
                                                : "ksmigrate-backup-" + db.address().database + "-" + time;
    const std::string ext = db.can_copy_file() ? ".bak" : ".jsonl";
    std::filesystem::path file = stem + ext;
    std::error_code ec;
    for (int n = 2; std::filesystem::exists(file, ec) && n < 100; ++n) file = stem + "-" + std::to_string(n) + ext;
    return file;
}

// The database backups a fresh migration makes, before deployment.toml is touched:
// a backup that cannot be made (an existing --backup file, a busy database) then
// refuses with nothing changed anywhere. Until their journals record them they are
// removed again on any way out, so a run that stops early leaves nothing behind and
// can be started again with the same --backup FILE.
class FreshBackups {
public:
    FreshBackups() = default;
    FreshBackups(const FreshBackups&) = delete;
    FreshBackups& operator=(const FreshBackups&) = delete;
    ~FreshBackups() {
        std::error_code ec;
        for (const auto& [db, file] : made_) std::filesystem::remove(file, ec);
    }
    void make(Database& db, const MigrationSettings& s, const std::vector<detail::Placement>& placements) {
        const auto file = (!s.backup_file.empty() && s.databases.size() == 1) ? s.backup_file : default_backup(db);
        if (db.can_copy_file()) {
            db.copy_file_to(file);
        } else {
            std::vector<const detail::Placement*> here;
            for (const auto& p : placements)
                if (p.db == &db) here.push_back(&p);
            detail::write_row_backup(db, here, file);
        }
        made_.emplace_back(&db, file);
    }
    std::string file_for(const Database& db) const {
        for (const auto& [d, file] : made_)
            if (d == &db) return std::filesystem::absolute(file).string();
        return {};
    }
    // Its journal records it now: no longer ours to remove.
    void keep(const Database& db) {
        std::erase_if(made_, [&](const auto& m) { return m.first == &db; });
    }

private:
    std::vector<std::pair<const Database*, std::filesystem::path>> made_;
};

// Opens (or resumes) the journal of one database, recording the backup made for it.
void start_journal(Database& db, const MigrationKeys& keys, const std::string& backup, const Journal::Fault& fault) {
    Journal journal(db, fault);
    Transaction tx(db);
    journal.begin_or_resume(RunInfo{keys.source.id(), keys.target.id(), utc_now(), "", backup, journal_raw_aes_form(keys)});
    journal.mark_unfinished();
    tx.commit();
}

void stop_if_requested(const MigrationSettings& s, const std::string& when, const std::string& hint) {
    if (s.stop && s.stop->load()) throw Error(ErrorKind::interrupted, "interrupted " + when, hint);
}

// The RSA work of one batch runs on the migrators while the run's thread reads the next
// batch and commits the previous one: the database work hides behind the crypto instead
// of leaving the cores idle. One thread for the whole run hands the batches to the
// migrators: a std::async thread per batch made a busy machine schedule a new thread
// for every batch (200,000 rows needing no RSA work, batches of 500, load average 11:
// 1.71 s before, 1.26 s with this thread). Only the run's thread touches the connection.
class ClassifierThread {
public:
    explicit ClassifierThread(detail::ParallelMigrators& migrators) : migrators_(migrators) {
        const SignalsHeld held;  // the thread never takes a stop signal: the main thread does
        thread_ = std::thread([this] { loop(); });
    }
    ~ClassifierThread() {
        {
            std::lock_guard lock(mutex_);
            quit_ = true;
        }
        changed_.notify_all();
        thread_.join();  // after the batch in hand, if any
    }
    ClassifierThread(const ClassifierThread&) = delete;
    ClassifierThread& operator=(const ClassifierThread&) = delete;

    // A batch handed to the thread; waits for it when it goes away, so no worker ever
    // uses a batch that is going away (an exception between start and finish).
    class Pending {
    public:
        Pending(ClassifierThread& t, std::vector<detail::RowWork>& batch) : t_(t) { t_.start(batch); }
        ~Pending() { t_.wait(); }
        Pending(const Pending&) = delete;
        Pending& operator=(const Pending&) = delete;
        void finish() { t_.finish(); }  // rethrows a worker's error

    private:
        ClassifierThread& t_;
    };

private:
    void start(std::vector<detail::RowWork>& batch) {
        if (batch.empty()) return;
        std::lock_guard lock(mutex_);
        batch_ = &batch;
        changed_.notify_all();
    }
    void wait() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return batch_ == nullptr; });
    }
    void finish() {
        wait();
        std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }
    void loop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [this] { return quit_ || batch_ != nullptr; });
            if (!batch_) return;
            std::vector<detail::RowWork>& batch = *batch_;
            lock.unlock();
            std::exception_ptr error;
            try {
                detail::classify_batch(batch, migrators_, ClassifyMode::full, true);
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            error_ = error;
            batch_ = nullptr;
            changed_.notify_all();
        }
    }

    detail::ParallelMigrators& migrators_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<detail::RowWork>* batch_ = nullptr;  // handed over, not yet classified
    std::exception_ptr error_;
    bool quit_ = false;
    std::thread thread_;  // started in the constructor body, once every member exists
};

// Values this run has committed so far, per database: what a stop must report.
using Committed = std::vector<std::pair<std::string, int64_t>>;
void add_committed(Committed& c, const std::string& db, int64_t n) {
    for (auto& [name, count] : c)
        if (name == db) {
            count += n;
            return;
        }
    c.emplace_back(db, n);
}

// A stop in the database step (an undecryptable value, a signal, a lost database):
// the same error, saying what is changed so far and the two ways on.
[[noreturn]] void rethrow_with_progress(const Error& e, const Committed& committed) {
    std::string so_far;
    for (const auto& [db, n] : committed)
        so_far += (so_far.empty() ? "" : ", ") + std::to_string(n) + " value(s) re-encrypted in " + db;
    if (so_far.empty()) so_far = "no value re-encrypted yet";
    std::string hint = e.hint().empty() ? "" : e.hint() + "; ";
    hint += "either ksmigrate rollback to put everything back, or fix the cause and ksmigrate run again to "
            "continue where it stopped";
    throw Error(e.kind(), e.what() + std::string(". So far: ") + so_far + "; deployment.toml not changed", hint);
}

void migrate_target(Database& db, const detail::Placement& place, const MigrationSettings& s,
                    ClassifierThread& classifier, MigrationReport& rep, Committed& committed) {
    const Target& t = *place.target;        // names the journal entries and the report
    const Target& stored = place.stored;    // the names and key the SQL uses
    Journal journal(db);
    TargetReport r{db.name(), t, false, {}, 0, {}, 0, {}, 0, 0};
    detail::TargetProblems problems(r);
    RowScanner scanner(db, stored, s.batch_size);
    detail::Progress progress("run " + t.name(), scanner.count_rows(), s.progress_on_terminal);
    // Only a resumed run has rows it rewrote already: a fresh one skips the lookups. A
    // table read by its values may meet a value this run wrote further on (it sorts
    // anywhere): looked up always, so it is counted once.
    const bool lookups = stored.keyed_by_value() || journal.has_entries(t.name());

    std::vector<Row> rows;
    auto read_batch = [&](std::vector<detail::RowWork>& batch) {
        batch.clear();
        if (!scanner.next_batch(rows)) return;
        batch.reserve(rows.size());
        std::vector<std::string> keys;
        for (auto& row : rows) {
            batch.push_back(detail::make_row_work(std::move(row), t));
            batch.back().row_key = encode_row_key(batch.back().row.key);
            if (!batch.back().fixed_state) keys.push_back(batch.back().row_key);
        }
        if (!lookups || keys.empty()) return;
        // A row this run already rewrote is not tried again: a PKCS#1 value now
        // under the target key could, by chance, look like a source value.
        const auto written = journal.written_values(t.name(), keys);
        for (auto& w : batch) {
            const auto it = written.find(w.row_key);
            w.done_before = !w.fixed_state && it != written.end() && it->second == w.row.value;
        }
    };

    // Two batches with fixed addresses: one being written, one being classified.
    std::array<std::vector<detail::RowWork>, 2> batches;
    size_t cur = 0;
    read_batch(batches[cur]);
    int64_t committed_before = 0;
    ClassifierThread::Pending(classifier, batches[cur]).finish();
    while (!batches[cur].empty()) {
        const std::vector<detail::RowWork>& batch = batches[cur];
        std::vector<detail::RowWork>& next = batches[1 - cur];
        read_batch(next);
        ClassifierThread::Pending ahead(classifier, next);  // waits for `next` before any exit from this scope

        for (const auto& w : batch) {
            for (const auto& c : w.results) {
                if (c.state != ValueState::undecryptable) continue;
                const std::string where = db.name() + ": " + t.name() + " " + detail::describe_row(w, place.shown());
                if (!s.skip_undecryptable) {
                    if (c.raw_aes == RawAesSign::unasked)
                        fail_refused(where + " is " + c.reason + "; its batch was not committed",
                                     "give --raw-aes gcm (a product on AES/GCM, the default since IS 5.11 and API-M "
                                     "4.7) or --raw-aes keep (a product still on the transformation AES); "
                                     "--skip-undecryptable would leave it under the old key");
                    fail_refused(where + " does not decrypt under the source key (" + c.reason +
                                     "); its batch was not committed",
                                 "--skip-undecryptable leaves such values (listed) as they are");
                }
                problems.add(Problem{"error", db.name(), t.table, t.column, detail::describe_row(w, place.shown()),
                                     "undecryptable", "undecryptable, left as it is (" + c.reason + ")"});
            }
        }

        if (s.fault) s.fault("batch-read");
        std::vector<RowChange> changes;
        std::vector<const detail::RowWork*> changed;
        for (const auto& w : batch) {
            detail::count_row(w, r.states);
            if (auto new_value = detail::rewritten_value(w, t)) {
                changes.push_back(RowChange{w.row.key, w.row.value, std::move(*new_value)});
                changed.push_back(&w);
            }
        }
        Transaction tx(db);
        const std::vector<bool> done = compare_and_set(db, stored, changes);
        if (s.fault) s.fault("batch-updated");
        std::vector<JournalEntry> entries;
        int64_t rewritten = 0;
        for (size_t i = 0; i < changes.size(); ++i) {
            const detail::RowWork& w = *changed[i];
            if (!done[i]) {
                problems.add(Problem{"error", db.name(), t.table, t.column, detail::describe_row(w, place.shown()), "",
                                     "changed while it was being migrated; run again to pick it up"});
                continue;
            }
            int64_t n = 0;
            for (const auto& nv : w.new_values) n += !nv.empty();
            // A row found by its value is found by its new value from now on (resume, rollback).
            std::string row_key = w.row_key;
            if (stored.keyed_by_value()) {
                SqlValue key = w.row.key.at(0);
                key.bytes = changes[i].replacement.bytes;
                row_key = encode_row_key({key});
            }
            entries.push_back(JournalEntry{0, t.name(), row_key, changes[i].expected, changes[i].replacement, n});
            rewritten += n;
        }
        journal.record(entries);
        if (s.fault) s.fault("batch-journaled");
        if (s.fault) s.fault("before-commit");
        tx.commit();
        if (s.fault) s.fault("after-commit");
        r.rewritten += rewritten;
        add_committed(committed, db.name(), r.rewritten - committed_before);
        committed_before = r.rewritten;
        r.rows += static_cast<int64_t>(batch.size());
        progress.advance(static_cast<int64_t>(batch.size()));
        if (s.stop && s.stop->load())
            throw Error(ErrorKind::interrupted, "interrupted after a committed batch of " + t.name() + " in " + db.name());
        ahead.finish();
        cur = 1 - cur;
    }
    problems.finish();
    rep.problems.insert(rep.problems.end(), r.problems.begin(), r.problems.end());
    rep.targets.push_back(std::move(r));
}

}  // namespace

MigrationReport run_migration(const MigrationKeys& keys, const MigrationSettings& s) {
    MigrationReport rep;
    rep.source = keys.source;
    rep.target = keys.target;

    detail::DatabaseSet set(s, Database::Mode::read_write);
    // One migration at a time per database (released with the connection or the process).
    std::vector<std::unique_ptr<MigrationLock>> locks;
    for (auto& db : set.databases) locks.push_back(db->lock_for_migration());
    if (!set.unscannable.empty()) {
        // Short: a database that is not the product's would otherwise list every target.
        std::string what;
        constexpr size_t shown = 3;
        for (size_t i = 0; i < set.unscannable.size() && i < shown; ++i) {
            what += (what.empty() ? "" : "; ") + set.unscannable[i].target.name();
            for (const auto& p : set.unscannable[i].scan_problems) what += " (" + p + ")";
        }
        if (set.unscannable.size() > shown) what += "; and " + std::to_string(set.unscannable.size() - shown) + " more";
        if (set.placements.empty())
            fail_input("none of the " + std::to_string(s.targets.size()) + " targets can be scanned in the database(s) given: " +
                           what + "; nothing was changed",
                       "is it the product's database? Give it with --db, or the matching --profile/--targets; "
                       "ksmigrate plan lists each target");
        fail_input("targets that cannot be migrated safely: " + what + "; nothing was changed",
                   "fix the targets file (table, column, key, where), or give every database that holds them with "
                   "--db; ksmigrate plan lists each one");
    }

    // Every database must be writable (permissions, a read-only file or server, a
    // database the product holds) before deployment.toml is touched: a refusal then
    // stops the run with nothing changed anywhere, instead of after the config step.
    for (auto& db : set.databases) db->check_writable();

    // Every other refusal, too, before anything is written: a journal holding a run of
    // another key pair, a value of deployment.toml that does not decrypt (the config
    // is classified and re-encrypted in memory first), a backup that cannot be made.
    const RunInfo this_run{keys.source.id(), keys.target.id(), "", "", "", journal_raw_aes_form(keys)};
    for (auto& db : set.databases) Journal(*db).require_same_key_pair(this_run);
    ValueMigrator config_migrator(keys);
    const detail::ConfigEdit config = detail::prepare_config(s, s.config_text, config_migrator, rep.problems);
    stop_if_requested(s, "before anything was changed", "run ksmigrate run again");

    // A database whose journal records no run is a fresh start, even when some of the
    // journal's tables are there (MySQL commits each CREATE on its own, so a run killed
    // while creating them leaves part of them): nothing was changed through it, so it
    // gets its backup now, recorded when its journal is completed.
    //
    // Every backup is made before the first journal starts, so a backup that cannot be
    // made refuses the run with no journal anywhere. The price: a run killed after the
    // backups, before every journal records its own (two databases, killed between their
    // journals; or killed while creating a journal), leaves the backup of each database
    // whose journal records no run as a file no journal names. It is a full backup from
    // before the run (nothing was changed in that database); the next run starts that
    // database afresh and makes and records a new one, and the file is the operator's to
    // delete (README: Backups). Making and recording one database at a time would close
    // that window but break the rule: the second database's backup could then fail after
    // the first database's journal started. Adopting the file on the next run would need
    // a record of it outside the database, and it may be older than the product's writes.
    FreshBackups backups;
    if (!s.no_backup)
        for (auto& db : set.databases)
            if (!Journal::has_run(*db)) backups.make(*db, s, set.placements);  // a resumed run keeps its first backup

    for (auto& db : set.databases) {
        const bool resumed = Journal::has_run(*db);
        start_journal(*db, keys, backups.file_for(*db), s.fault);
        if (s.notify) {
            const std::string backup = backups.file_for(*db);
            if (!backup.empty()) s.notify(db->name() + ": backup written to " + backup);
            if (resumed) {
                int64_t done = 0;
                for (const auto& t : Journal(*db).summary()) done += t.values;
                s.notify("resuming: " + std::to_string(done) + " value(s) already re-encrypted in " + db->name());
            }
        }
        backups.keep(*db);
        if (s.fault) s.fault("journal-started");
    }

    // The databases first, deployment.toml last: a run that stops on the way (an
    // undecryptable value, a signal, a lost connection) leaves the file exactly as it
    // was, so the product still reads its config secrets with the key it has today.
    Committed committed;
    try {
        detail::ParallelMigrators migrators(keys, s.jobs);
        ClassifierThread classifier(migrators);
        for (const auto& place : set.placements) migrate_target(*place.db, place, s, classifier, rep, committed);
        if (!set.placements.empty()) stop_if_requested(s, "after the databases, before deployment.toml", "");
    } catch (const Error& e) {
        rethrow_with_progress(e, committed);
    }

    // Read and prepared again after the databases: the file may have been edited during
    // a long run, and what is written must be that file with only its secret values
    // changed. (With no database to migrate, the text read at the start is current.)
    if (s.fault) s.fault("before-config");
    if (set.placements.empty()) {
        detail::write_config(s, config);
        rep.config = config.report;
    } else {
        std::vector<Problem> seen_already;  // the first preparation listed them
        const Password text_now = s.config_file.empty() ? Password() : Password(read_secret_file(s.config_file));
        const detail::ConfigEdit now = detail::prepare_config(s, text_now, config_migrator, seen_already);
        detail::write_config(s, now);
        rep.config = now.report;
    }
    if (s.fault) s.fault("after-config");
    for (auto& db : set.databases) Journal(*db).mark_finished(utc_now());
    return rep;
}

}  // namespace ksc
