// status, rollback and finalize: the jobs that work from the journal alone and
// need no key.
#include "config_step.hpp"

#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/journal.hpp"
#include "ksc/migration.hpp"
#include "ksc/compare_and_set.hpp"
#include "ksc/row_key.hpp"
#include "ksc/row_scan.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

namespace ksc {

namespace {

// The target the journal names, as this database stores it (the SQL's names and key).
class StoredTargets {
public:
    StoredTargets(const MigrationSettings& s, const Database& db) : s_(s), db_(db) {}
    const Target& find(const std::string& name) {
        if (auto it = stored_.find(name); it != stored_.end()) return it->second;
        for (const auto& t : s_.targets) {
            if (t.name() != name) continue;
            ScanPlan plan = plan_scan(db_, t);
            if (!plan.problems.empty())
                fail_input(db_.name() + ": " + name + ": " + plan.problems.front() + "; nothing was rolled back");
            return stored_.emplace(name, std::move(plan.stored)).first->second;
        }
        fail_input(db_.name() + ": the journal has values of " + name + ", which is not in the target list",
                   "give the same --profile or --targets as the run");
    }

private:
    const MigrationSettings& s_;
    const Database& db_;
    std::map<std::string, Target> stored_;
};

// A journal without its run row: MySQL commits each CREATE on its own, and the run that
// was creating it was killed before it recorded itself.
constexpr const char* half_created_note =
    "part of a journal, left by a run killed while creating it: no run recorded, nothing re-encrypted; ksmigrate "
    "run starts afresh over it, finalize or rollback removes it";

void require_databases(const MigrationSettings& s) {
    if (s.databases.empty() && s.config_file.empty()) fail_usage("give --db (repeatable)");
}

// The backups run made that an operator can still find without the journal: SQLite
// copies beside the file. A server's row backups are where the run said (current folder).
std::string list_backups(const DatabaseAddress& db) {
    std::string out;
    if (db.is_server()) return out;
    for (const auto& b : backups_beside(db.file)) out += (out.empty() ? "" : ", ") + b.string();
    return out;
}

// Runs fn on every database that has a journal, under the run lock. A database without
// one gets a line, or with `missing_is_problem` a problem: a rollback that finds no
// journal (finalized, already rolled back, or never run) cannot bring anything back, and
// the operator must hear where the old values still are: the backups ksmigrate made.
template <class Fn>
void for_each_journal(const MigrationSettings& s, const char* verb, bool missing_is_problem, JobOutcome& out, Fn fn) {
    for (const auto& address : s.databases) {
        const auto db = open_database(address, Database::Mode::read_write, s.credentials);
        const auto lock = db->lock_for_migration();
        const std::string f = db->name();
        if (!Journal::exists(*db)) {
            if (!missing_is_problem) {
                out.lines.push_back(f + ": no journal, nothing to " + verb);
                continue;
            }
            const std::string backups = list_backups(address);
            out.problems.push_back(
                f + ": no journal, so nothing was rolled back (the migration was finalized, already rolled " +
                "back, or never run). " +
                (backups.empty() ? std::string("No database backup made by ksmigrate is left beside it")
                                 : "The values from before the run are in the backup(s) ksmigrate made: " + backups));
            continue;
        }
        Journal journal(*db);
        fn(address, *db, journal);
    }
}

// deployment.toml goes back to its backup only while it is exactly what run wrote,
// as database values do: an edit made since (a [server] change) is newer than the
// run and is not thrown away; the operator compares by hand instead.
void rollback_config(const MigrationSettings& s, JobOutcome& out) {
    if (s.config_file.empty()) return;
    const std::string file = s.config_file.string();
    const auto backup = config_backup_path(s.config_file);
    std::error_code ec;
    auto drop_backup = [&] {
        std::filesystem::remove(backup, ec);
        std::filesystem::remove(detail::config_record_path(s.config_file), ec);
    };
    if (!std::filesystem::exists(backup, ec)) {
        drop_backup();  // a record left when the operator deleted the backup by hand
        out.lines.push_back(file + ": not changed by ksmigrate, nothing to restore");
        return;
    }
    if (detail::config_equals_backup(s.config_file)) {  // put back by hand already
        drop_backup();
        out.lines.push_back(file + ": already as it was before the run; " + backup.string() + " removed");
        return;
    }
    if (!detail::config_is_as_written(s.config_file)) {
        out.problems.push_back(file + " changed after the run (it is not the file ksmigrate wrote), so it was " +
                        "left as it is: compare it by hand with " + backup.string() +
                        " (the file before the run), put back what should be, then delete that backup");
        return;
    }
    const Password old(read_secret_file(backup));  // deployment.toml holds passwords
    write_file_atomically(s.config_file, old.text());
    drop_backup();
    out.lines.push_back(file + ": restored from " + backup.string());
}

}  // namespace

nlohmann::ordered_json migration_status(const MigrationSettings& s) {
    require_databases(s);
    nlohmann::ordered_json out;
    out["databases"] = nlohmann::ordered_json::array();
    for (const auto& address : s.databases) {
        const auto db = open_database(address, Database::Mode::read_only, s.credentials);
        nlohmann::ordered_json d;
        d["database"] = db->name();
        d["journal"] = Journal::exists(*db);
        if (Journal::exists(*db)) {
            Journal j(*db);
            if (auto info = j.run_info()) {
                d["source_key"] = info->source_key;
                d["target_key"] = info->target_key;
                if (!info->raw_aes.empty()) d["raw_aes"] = info->raw_aes;
                d["started_at"] = info->started_at;
                d["finished_at"] = info->finished_at.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(info->finished_at);
                d["finished"] = !info->finished_at.empty();
                d["backup_file"] = info->backup_file;
            } else {
                d["note"] = half_created_note;
            }
            d["targets"] = nlohmann::ordered_json::array();
            for (const auto& t : j.summary())
                d["targets"].push_back({{"target", t.target}, {"rows", t.rows}, {"values", t.values}});
        }
        // A probe that never creates or removes the lock file: status is read-only, and
        // a run starting at this moment must still get the lock.
        const auto held = db->migration_lock_held();
        d["running"] = held ? nlohmann::ordered_json(*held) : nlohmann::ordered_json();
        out["databases"].push_back(std::move(d));
    }
    if (!s.config_file.empty()) {
        std::error_code ec;
        const auto backup = config_backup_path(s.config_file);
        out["config"] = {{"file", s.config_file.string()},
                         {"backup", std::filesystem::exists(backup, ec) ? nlohmann::ordered_json(backup.string())
                                                                        : nlohmann::ordered_json()}};
    }
    return out;
}

std::vector<std::filesystem::path> backups_beside(const std::filesystem::path& db) {
    // default_backup()'s names: <db>.ksmigrate-<UTC time>[-n].bak
    const std::string prefix = db.filename().string() + ".ksmigrate-";
    const auto folder = db.has_parent_path() ? db.parent_path() : std::filesystem::path(".");
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with(prefix) && name.ends_with(".bak")) out.push_back(db.has_parent_path() ? e.path() : e.path().filename());
    }
    std::sort(out.begin(), out.end());  // the UTC time in the name sorts oldest first
    return out;
}

JobOutcome rollback_migration(const MigrationSettings& s) {
    require_databases(s);
    JobOutcome out;
    std::vector<std::string>& lines = out.lines;
    // A rollback that kept deployment.toml (edited since the run) and is called again to
    // finish it: the databases were rolled back the first time, which is not a problem.
    std::error_code ec;
    const bool config_pending = !s.config_file.empty() && std::filesystem::exists(config_backup_path(s.config_file), ec);
    for_each_journal(s, "roll back", !config_pending, out, [&](const DatabaseAddress&, Database& db, Journal& journal) {
        StoredTargets targets(s, db);
        Transaction tx(db);
        int64_t restored = 0, conflicts = 0;
        journal.for_each_chunk_newest_first([&](const std::vector<JournalEntry>& entries) {
            // Runs of one target, newest first: one compare-and-set each.
            for (size_t first = 0; first < entries.size();) {
                size_t last = first;
                while (last < entries.size() && entries[last].target == entries[first].target) ++last;
                const Target& t = targets.find(entries[first].target);
                // Only where the value is still what the run wrote: anything the product
                // wrote since is newer data and is not overwritten.
                std::vector<RowChange> changes;
                for (size_t i = first; i < last; ++i)
                    changes.push_back({decode_row_key(entries[i].row_key), entries[i].new_value, entries[i].old_value});
                const auto done = compare_and_set(db, t, changes);
                std::vector<int64_t> restored_seqs;
                for (size_t i = first; i < last; ++i) {
                    if (done[i - first]) {
                        restored_seqs.push_back(entries[i].seq);
                        ++restored;
                    } else {
                        ++conflicts;
                        out.problems.push_back(db.name() + ": " + entries[i].target + " key " + entries[i].row_key +
                                               " changed after the run; left as it is (its journal entry is kept)");
                    }
                }
                journal.delete_entries(restored_seqs);
                first = last;
            }
        });
        tx.commit();
        // Dropped after the commit: MySQL commits DDL on its own.
        if (conflicts == 0) journal.drop();
        lines.push_back(db.name() + ": " + std::to_string(restored) + " row(s) restored to their old values" +
                        (conflicts ? ", " + std::to_string(conflicts) + " conflict(s) kept in the journal"
                                   : "; journal removed"));
    });
    rollback_config(s, out);
    return out;
}

JobOutcome finalize_migration(const MigrationSettings& s, bool vacuum) {
    require_databases(s);
    JobOutcome out;
    std::vector<std::string>& lines = out.lines;
    for_each_journal(s, "finalize", false, out, [&](const DatabaseAddress& address, Database& db, Journal& journal) {
        const std::string f = db.name();
        const auto info = journal.run_info();
        if (info && info->finished_at.empty())
            fail_refused(f + ": the migration is not finished; finalizing would lose the way back",
                         "run ksmigrate run again to finish it, or ksmigrate rollback");
        journal.drop();
        lines.push_back(f + ": journal removed; the schema is as it was before the run");
        // Every backup of every run (rolled back ones too): each holds values under the old key.
        std::vector<std::string> backups;
        if (info && !info->backup_file.empty()) backups.push_back(info->backup_file);
        if (!address.is_server())
            for (const auto& b : backups_beside(address.file))
                if (std::find(backups.begin(), backups.end(), b.string()) == backups.end()) backups.push_back(b.string());
        for (const auto& b : backups)
            lines.push_back(f + ": backup kept at " + b +
                            " (it holds values under the old key: delete it when no longer needed)");
        const auto free_bytes = db.free_bytes();
        if (!free_bytes) return;
        if (vacuum) {
            db.vacuum();
            lines.push_back(f + ": vacuumed; " + std::to_string(*free_bytes) + " byte(s) given back");
        } else if (*free_bytes > 0) {
            lines.push_back(f + ": the journal leaves " + std::to_string(*free_bytes) +
                            " byte(s) of free pages in the file (reused by SQLite; finalize --vacuum gives them back)");
        }
    });
    if (!s.config_file.empty()) {
        std::error_code ec;
        if (std::filesystem::remove(config_backup_path(s.config_file), ec))
            out.lines.push_back(config_backup_path(s.config_file).string() + ": removed");
        std::filesystem::remove(detail::config_record_path(s.config_file), ec);
    }
    return out;
}

}  // namespace ksc
