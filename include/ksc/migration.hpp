// ksmigrate's jobs: plan (dry run), run (journaled, resumable re-encryption),
// verify, status, rollback, finalize. The program (migrate/main.cpp) only parses
// options, loads keys and prints what these return.
#pragma once
#include "ksc/database.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/migration_keys.hpp"
#include "ksc/targets.hpp"
#include "ksc/value_migrator.hpp"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace ksc {

struct StateCounts {
    std::array<int64_t, all_value_states.size()> n{};
    int64_t& operator[](ValueState s) { return n[static_cast<size_t>(s)]; }
    int64_t operator[](ValueState s) const { return n[static_cast<size_t>(s)]; }
    int64_t total() const;
    void add(const StateCounts& o);
    nlohmann::ordered_json to_json() const;
};

// One problem of a report, with where it is as fields (the JSON's problem_details) and
// as one line (text(): the `problems` strings and the terminal). Never holds a value.
struct Problem {
    std::string severity = "error";   // "error": makes the verdict NO-GO
    std::string database;             // file or URL, or "" (deployment.toml, or no database)
    std::string table, column;        // "" when not about one target
    std::string row_key;              // "ID=8, TENANT_ID=-1234", or ""
    std::string state;                // a value state, "not_scanned", "journal", "key", ...
    std::string message;              // what is wrong, in words
    std::string text() const;
    nlohmann::ordered_json to_json() const;
};

struct TargetReport {
    std::string database;            // empty: the table is in none of the databases (JSON null)
    Target target;
    bool unscannable = false;        // cannot be scanned: a part absent, a bad `where`, a bad key
    std::vector<std::string> scan_problems;
    int64_t rows = 0;
    StateCounts states;
    int64_t rewritten = 0;           // run: values re-encrypted now
    std::vector<Problem> problems;   // per row: undecryptable, foreign, ... - capped
    int64_t source_rows = 0;         // plan: rows holding a value to re-encrypt
    int64_t source_bytes = 0;        // plan: their column bytes (what the journal will hold twice)
};

// Where and how a plan was made, for the change ticket. Never holds a password:
// passwords never come from the command line.
struct ReportContext {
    std::string generated_at;        // UTC ISO-8601
    std::string host;
    std::string command_line;
    std::string targets_from;        // "profile wso2-apim-4" or the targets file
    std::vector<std::string> databases;   // absolute paths, or server URLs (no password)
    bool quick = false;
};

struct ConfigReport {
    std::filesystem::path file;      // empty: no config step
    std::string note;                // why it was skipped
    StateCounts states;
    int64_t rewritten = 0;
};

struct MigrationReport {
    MigrationKey source;   // unset (no key) in the reports of rollback-only paths
    MigrationKey target;
    std::vector<TargetReport> targets;
    ConfigReport config;
    double estimated_seconds = 0;
    std::vector<Problem> problems;
    std::vector<std::string> advice;
    std::optional<ReportContext> context;   // plan: set by the program

    bool go() const { return problems.empty(); }   // the verdict: GO, or NO-GO with the problems

    StateCounts totals() const;      // databases and config together
    nlohmann::ordered_json to_json() const;   // the plan JSON (`ksmigrate plan --json`)
    std::string to_markdown(const std::string& title) const;
    std::string to_table() const;    // terminal table per target
};

struct MigrationSettings {
    std::vector<DatabaseAddress> databases;
    // With the databases from deployment.toml: their [database.<name>] names, in the same
    // order ("apim_db", "shared_db", ...), so each target is looked for where WSO2 keeps
    // it. Empty with --db (every target looked for in every database).
    std::vector<std::string> database_names;
    DatabaseCredentials credentials;     // for server databases
    std::vector<Target> targets;
    std::filesystem::path config_file;   // deployment.toml; empty: no config step
    std::string config_note;             // why there is no config step
    size_t batch_size = 500;
    unsigned jobs = 2;
    bool skip_undecryptable = false;
    // run: the backup of the database (one database only); empty = default. SQLite: a
    // copy of the file; a server: the key and old value of every row of the targets (JSONL).
    std::filesystem::path backup_file;
    bool no_backup = false;
    const std::atomic<bool>* stop = nullptr;  // set by SIGINT/SIGTERM: finish the batch, then stop
    bool progress_on_terminal = false;
    // run: one-line notes for the operator before the first batch (backups written, a
    // resumed run); the program prints them. Empty: not told.
    std::function<void(const std::string&)> notify;
    // Crash tests only (ksmigrate_faulty, a test build): called at each point of a
    // batch's life and of the config step, so a test can end the process exactly there.
    // Points: "batch-read", "batch-updated" (the batch's UPDATE done, its journal rows not
    // yet written), "batch-journaled", "before-commit", "after-commit", "before-config",
    // "after-config". Never set by ksmigrate itself.
    std::function<void(std::string_view point)> fault;
    // plan: problems found before the scan (the target is not the key the product will
    // load, ...): listed first, and they make the verdict NO-GO.
    std::vector<Problem> preflight_problems;
};

MigrationReport plan_migration(const MigrationKeys& keys, const MigrationSettings& s, bool quick);
MigrationReport run_migration(const MigrationKeys& keys, const MigrationSettings& s);
MigrationReport verify_migration(const MigrationKeys& keys, const MigrationSettings& s);

// What rollback and finalize did: lines to print, and the problems that need the
// operator's hand (the program prints them and exits 1 when there are any).
struct JobOutcome {
    std::vector<std::string> lines;
    std::vector<std::string> problems;
};

// Journal-only jobs: no key needed.
nlohmann::ordered_json migration_status(const MigrationSettings& s);
JobOutcome rollback_migration(const MigrationSettings& s);
// vacuum: give the space the journal took back to the file system (SQLite VACUUM).
JobOutcome finalize_migration(const MigrationSettings& s, bool vacuum = false);

// The SQLite database backups ksmigrate made beside `db` (every run's, rolled back ones
// too), oldest first.
std::vector<std::filesystem::path> backups_beside(const std::filesystem::path& db);

// The backup ksmigrate keeps of deployment.toml before changing it.
std::filesystem::path config_backup_path(const std::filesystem::path& config_file);

}  // namespace ksc
