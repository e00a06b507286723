// The journal ksmigrate keeps inside each database it changes: one row per
// rewritten row (target, key, exact old value, new value), written in the same
// transaction as the UPDATE, so a killed run can be resumed or rolled back.
// finalize drops it and the schema is exactly as before.
#pragma once
#include "ksc/database.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ksc {

struct RunInfo {
    // The keys' ids (MigrationKey::id): an RSA certificate's SHA-1 thumbprint, or "AES:" +
    // an AES keyId. Journals made before AES support hold thumbprints in columns named
    // source_thumbprint / target_thumbprint; they are read the same way.
    std::string source_key;
    std::string target_key;
    std::string started_at;      // UTC ISO-8601
    std::string finished_at;     // empty while unfinished
    std::string backup_file;     // database backup made before the first batch (may be empty)
    // The form legacy raw AES values are written in (--raw-aes: "gcm" or "keep"; "" when not
    // asked, or when the target is RSA and the form does not matter). Stored with the target
    // key ("AES:<keyId> +raw-aes=gcm"), so journals keep one run table shape.
    std::string raw_aes;
};

struct JournalEntry {
    int64_t seq = 0;
    std::string target;          // Target::name()
    std::string row_key;         // encode_row_key
    SqlValue old_value;
    SqlValue new_value;
    int64_t values = 1;          // embedded values rewritten in this row (json kind), else 1
};

class Journal {
public:
    static constexpr const char* entries_table = "KSMIGRATE_JOURNAL";
    static constexpr const char* run_table = "KSMIGRATE_RUN";

    static constexpr const char* index_name = "KSMIGRATE_JOURNAL_TARGET_KEY";
    // Crash tests only (MigrationSettings::fault): called at "journal-tables", once the
    // entries table is created and before its index and the run table are.
    using Fault = std::function<void(std::string_view point)>;

    explicit Journal(Database& db, Fault fault = {}) : db_(db), fault_(std::move(fault)) {}
    // Any of its tables is there, even a journal only half created: the jobs that work
    // from the journal (status, rollback, finalize, plan) see it, and finalize drops it.
    static bool exists(const Database& db);
    // A run is recorded in it (its run row): a run to resume. A journal without one was
    // being created when its run was killed (MySQL commits each CREATE on its own):
    // nothing was changed through it yet, and the next run starts afresh (backup included).
    static bool has_run(const Database& db);

    // Creates what is missing of the tables and their index (inside the caller's
    // transaction or its own) and records the run unless one is recorded; an existing
    // run for another key pair is ErrorKind::refused (rollback or finalize it first).
    void begin_or_resume(const RunInfo& info);
    // The same refusal on its own, reading only: run checks every database with it
    // before anything is written anywhere (deployment.toml included). Another source or
    // target key is refused; so is another raw AES form once one is recorded (the run
    // would leave values in two forms, one of which the product cannot read). A run begun
    // without a form may go on with one: it wrote no raw AES value (begin_or_resume then
    // records the form).
    void require_same_key_pair(const RunInfo& info) const;
    std::optional<RunInfo> run_info() const;
    void mark_finished(const std::string& at);
    void mark_unfinished();

    // Inside the caller's transaction, one statement per chunk of entries.
    void record(const std::vector<JournalEntry>& entries);
    // Whether this journal rewrote any row of the target (a fresh run skips the lookups).
    bool has_entries(const std::string& target) const;
    // For each of these row keys that this journal rewrote, the value it wrote last:
    // "already done". One statement per chunk of keys.
    std::map<std::string, SqlValue> written_values(const std::string& target,
                                                   const std::vector<std::string>& row_keys) const;

    struct TargetSummary { std::string target; int64_t rows = 0; int64_t values = 0; };
    std::vector<TargetSummary> summary() const;
    // Newest first (rollback order), a chunk at a time; fn may delete_entries.
    void for_each_chunk_newest_first(const std::function<void(const std::vector<JournalEntry>&)>& fn) const;
    void delete_entries(const std::vector<int64_t>& seqs);
    void drop();   // both tables, nothing else left behind

private:
    Database& db_;
    Fault fault_;
};

}  // namespace ksc
