// status, rollback and finalize: the jobs that work from the journal alone and
// need no key.
#include "config_step.hpp"

#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/journal.hpp"
#include "ksc/migration.hpp"
#include "ksc/row_scan.hpp"
#include "ksc/run_lock.hpp"

#include <filesystem>
#include <memory>

namespace ksc {

namespace {

const Target& find_target(const MigrationSettings& s, const std::string& name, const std::filesystem::path& db) {
    for (const auto& t : s.targets)
        if (t.name() == name) return t;
    fail_input(db.string() + ": the journal has values of " + name + ", which is not in the target list",
               "give the same --profile or --targets as the run");
}

// Lines of rollback that need the operator's hand start with this; main exits 1 on them.
constexpr const char* problem = "problem: ";

void require_databases(const MigrationSettings& s) {
    if (s.databases.empty() && s.config_file.empty()) fail_usage("give --db FILE (repeatable)");
}

// Runs fn on every database that has a journal, under the run lock; the others get
// a "no journal, nothing to <verb>" line.
template <class Fn>
void for_each_journal(const MigrationSettings& s, const char* verb, std::vector<std::string>& lines, Fn fn) {
    for (const auto& f : s.databases) {
        RunLock lock(f);
        Database db(f, Database::Mode::read_write);
        if (!Journal::exists(db)) {
            lines.push_back(f.string() + ": no journal, nothing to " + verb);
            continue;
        }
        Journal journal(db);
        fn(f, db, journal);
    }
}

// deployment.toml goes back to its backup only while it is exactly what run wrote,
// as database values do: an edit made since (a [server] change) is newer than the
// run and is not thrown away; the operator compares by hand instead.
void rollback_config(const MigrationSettings& s, std::vector<std::string>& lines) {
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
        lines.push_back(file + ": not changed by ksmigrate, nothing to restore");
        return;
    }
    if (detail::config_equals_backup(s.config_file)) {  // put back by hand already
        drop_backup();
        lines.push_back(file + ": already as it was before the run; " + backup.string() + " removed");
        return;
    }
    if (!detail::config_is_as_written(s.config_file)) {
        lines.push_back(problem + file + " changed after the run (it is not the file ksmigrate wrote), so it was " +
                        "left as it is: compare it by hand with " + backup.string() +
                        " (the file before the run), put back what should be, then delete that backup");
        return;
    }
    const Bytes old = read_file(backup);
    write_file_atomically(s.config_file, std::string(old.begin(), old.end()));
    drop_backup();
    lines.push_back(file + ": restored from " + backup.string());
}

}  // namespace

nlohmann::ordered_json migration_status(const MigrationSettings& s) {
    require_databases(s);
    nlohmann::ordered_json out;
    out["databases"] = nlohmann::ordered_json::array();
    for (const auto& f : s.databases) {
        Database db(f, Database::Mode::read_only);
        nlohmann::ordered_json d;
        d["database"] = f.string();
        d["journal"] = Journal::exists(db);
        if (Journal::exists(db)) {
            Journal j(db);
            if (auto info = j.run_info()) {
                d["source_thumbprint"] = info->source_thumbprint;
                d["target_thumbprint"] = info->target_thumbprint;
                d["started_at"] = info->started_at;
                d["finished_at"] = info->finished_at.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(info->finished_at);
                d["finished"] = !info->finished_at.empty();
                d["backup_file"] = info->backup_file;
            }
            d["targets"] = nlohmann::ordered_json::array();
            for (const auto& t : j.summary())
                d["targets"].push_back({{"target", t.target}, {"rows", t.rows}, {"values", t.values}});
        }
        // A probe that never creates or removes the lock file: status is read-only, and
        // a run starting at this moment must still get the lock.
        const auto held = RunLock::is_held(f);
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

std::vector<std::string> rollback_migration(const MigrationSettings& s) {
    require_databases(s);
    std::vector<std::string> lines;
    for_each_journal(s, "roll back", lines, [&](const std::filesystem::path& f, Database& db, Journal& journal) {
        Transaction tx(db);
        int64_t restored = 0, conflicts = 0;
        journal.for_each_newest_first([&](const JournalEntry& e) {
            const Target& t = find_target(s, e.target, f);
            // Only where the value is still what the run wrote: anything the product
            // wrote since is newer data and is not overwritten.
            if (compare_and_set(db, t, decode_row_key(e.row_key), e.new_value, e.old_value)) {
                journal.delete_entry(e.seq);
                ++restored;
            } else {
                ++conflicts;
                lines.push_back(problem + f.string() + ": " + e.target + " key " + e.row_key +
                                " changed after the run; left as it is (its journal entry is kept)");
            }
        });
        if (conflicts == 0) journal.drop();
        tx.commit();
        lines.push_back(f.string() + ": " + std::to_string(restored) + " row(s) restored to their old values" +
                        (conflicts ? ", " + std::to_string(conflicts) + " conflict(s) kept in the journal"
                                   : "; journal removed"));
    });
    rollback_config(s, lines);
    return lines;
}

std::vector<std::string> finalize_migration(const MigrationSettings& s) {
    require_databases(s);
    std::vector<std::string> lines;
    for_each_journal(s, "finalize", lines, [&](const std::filesystem::path& f, Database& db, Journal& journal) {
        const auto info = journal.run_info();
        if (info && info->finished_at.empty())
            fail_refused(f.string() + ": the migration is not finished; finalizing would lose the way back",
                         "run ksmigrate run again to finish it, or ksmigrate rollback");
        Transaction tx(db);
        journal.drop();
        tx.commit();
        lines.push_back(f.string() + ": journal removed; the schema is as it was before the run");
        if (info && !info->backup_file.empty())
            lines.push_back(f.string() + ": the backup made before the run is kept at " + info->backup_file +
                            " (it holds values under the old key: delete it when no longer needed)");
    });
    if (!s.config_file.empty()) {
        std::error_code ec;
        if (std::filesystem::remove(config_backup_path(s.config_file), ec))
            lines.push_back(config_backup_path(s.config_file).string() + ": removed");
        std::filesystem::remove(detail::config_record_path(s.config_file), ec);
    }
    return lines;
}

}  // namespace ksc
