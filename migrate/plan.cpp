// plan (the dry run) and verify: scan every target read-only, classify every value
// on the worker threads, count states, and say what to do.
#include "config_step.hpp"
#include "database_set.hpp"
#include "progress.hpp"
#include "row_work.hpp"
#include "target_problems.hpp"
#include "parallel_migrators.hpp"

#include "ksc/error.hpp"
#include "ksc/journal.hpp"
#include "ksc/migration.hpp"
#include "ksc/row_scan.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

namespace ksc {

namespace {

using Clock = std::chrono::steady_clock;

// Values per second the migrators decrypt, measured on a probe under the source key:
// plan --quick does no private-key work of its own to measure.
double measure_rate(const MigrationKeys& keys, detail::ParallelMigrators& migrators) {
    const SealSpec how = keys.source.kind() == KeyKind::rsa
                             ? SealSpec::rsa_value(CiphertextFormat::self_contained,
                                                   Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding"))
                             : SealSpec::aes_value(CiphertextFormat::symmetric_carbon);
    const Bytes probe = {'p', 'r', 'o', 'b', 'e'};
    const std::string value = cipher_suite_for(keys.source)->seal(probe, how);
    const size_t n = 16 * migrators.jobs();
    const auto t0 = Clock::now();
    migrators.for_each(n, [&](ValueMigrator& m, size_t) { m.classify(value, ClassifyMode::full); });
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    return secs > 0 ? static_cast<double>(n) / secs : 0;
}

Problem row_problem(const TargetReport& r, const Target& stored, const detail::RowWork& w, const Classification& c) {
    return Problem{"error", r.database, r.target.table, r.target.column, detail::describe_row(w, stored),
                   to_string(c.state), to_string(c.state) + (c.reason.empty() ? "" : " (" + c.reason + ")")};
}

std::string shortcut_advice(const MigrationKeys& keys) {
    // A keystore in the product's security folder is written as a bare name, as the product expects.
    auto file_name = [](const LoadedKey& k) {
        const auto dir = k.file.parent_path();
        const bool in_security = dir.filename() == "security" && dir.parent_path().filename() == "resources";
        return in_security ? k.file.filename().string() : k.file.string();
    };
    auto table = [&](const char* name, const LoadedKey& k) {
        return std::string("[") + name + "]\nfile_name = \"" + file_name(k) + "\"\ntype = \"" + to_string(k.type) +
               "\"\nalias = \"" + k.alias + "\"\npassword = \"<store password>\"\nkey_password = \"<store password>\"\n";
    };
    return "no value is under the target key yet, so the product's documented shortcut needs no migration at all: "
           "keep the current keystore as internal and put the new one in primary (deployment.toml):\n" +
           table("keystore.primary", *keys.target.rsa) + table("keystore.internal", *keys.source.rsa);
}

// An unfinalized migration left in a database (to any key) comes before anything new:
// its values would look foreign or target, and run refuses another key pair anyway.
// Part of a journal with no run recorded (MySQL commits each CREATE on its own, and its
// run was killed while creating it) is no migration: run starts afresh over it, so it is
// a note, not a problem. Returns how many databases hold an unfinalized migration.
size_t report_journals(MigrationReport& rep, const detail::DatabaseSet& set) {
    size_t found = 0;
    for (const auto& db : set.databases) {
        if (!Journal::exists(*db)) continue;
        Journal j(*db);
        const auto info = j.run_info();
        if (!info) {
            rep.advice.push_back(db->name() + " holds part of a migration journal (a run killed while creating it; "
                                              "no run recorded, nothing re-encrypted): ksmigrate run completes it and "
                                              "starts afresh, with a new backup");
            continue;
        }
        int64_t values = 0;
        for (const auto& t : j.summary()) values += t.values;
        const std::string what = "holds an unfinalized migration from " + info->source_key + " to " +
                                 info->target_key + (info->raw_aes.empty() ? "" : " (--raw-aes " + info->raw_aes + ")") +
                                 ", started " + info->started_at +
                                 (info->finished_at.empty() ? ", unfinished" : ", finished " + info->finished_at) +
                                 ", " + std::to_string(values) + " value(s) re-encrypted";
        rep.problems.insert(rep.problems.begin() + static_cast<std::ptrdiff_t>(found),
                            Problem{"error", db->name(), "", "", "", "journal", what});  // before preflight
        ++found;
    }
    if (found)
        rep.advice.push_back("first finish what is in the journal: ksmigrate verify then ksmigrate finalize to keep it, "
                             "or ksmigrate rollback to undo it; then plan again");
    return found;
}

// The values of every target whose raw AES reading the advice speaks of (RawAesSign).
struct RawAesCounts {
    int64_t unasked = 0, not_text = 0, under_target = 0;
    void add(const Classification& c) {
        unasked += c.raw_aes == RawAesSign::unasked;
        not_text += c.raw_aes == RawAesSign::not_text;
        under_target += c.raw_aes == RawAesSign::under_target;
    }
};

// One piece of advice about n values, when there are any: "<n> value(s) <what>".
void advise_count(MigrationReport& rep, int64_t n, std::string_view what) {
    if (n <= 0) return;
    std::string line = std::to_string(n);
    line += " value(s) ";
    line += what;
    rep.advice.push_back(std::move(line));
}

void add_advice(MigrationReport& rep, const MigrationKeys& keys, ClassifyMode mode, size_t journals,
                const RawAesCounts& raw) {
    const StateCounts t = rep.totals();
    if (mode == ClassifyMode::verify) return;
    advise_count(rep, raw.unasked,
                 "are legacy raw AES values (IS 5.10's transformation AES) under the source key, which the product "
                 "reads with [encryption] key only: plan and run again with --raw-aes gcm if the product uses AES/GCM "
                 "(the default since IS 5.11 and API-M 4.7), or --raw-aes keep if it still runs with "
                 "org.wso2.CipherTransformation = AES");
    advise_count(rep, raw.not_text,
                 "counted as not encrypted pass raw AES's padding check under the source key but open to bytes that "
                 "are not UTF-8 text: plain Base64 text does so about 1 time in 256; if the product stored secrets in "
                 "another charset, check one with kscipher decrypt --transformation AES (ksmigrate does not move them)");
    const bool raw_in_unread_form = keys.raw_aes == RawAes::to_gcm && raw.under_target > 0;
    if (raw_in_unread_form)
        advise_count(rep, raw.under_target,
                     "are legacy raw AES values already under the target key, left as they are: a product on AES/GCM "
                     "cannot read that form (--raw-aes gcm moves the values under the source key only)");
    advise_count(rep, t[ValueState::undecryptable] - raw.unasked,
                 "do not decrypt under the source key: find the key they were encrypted with, or run with "
                 "--skip-undecryptable to leave them (listed) as they are");
    const bool aes = keys.source.kind() == KeyKind::aes || keys.target.kind() == KeyKind::aes;
    advise_count(rep, t[ValueState::foreign],
                 aes ? "are encrypted for another key; run leaves them as they are"
                     : "are encrypted for another certificate; run leaves them as they are");
    advise_count(rep, t[ValueState::symmetric],
                 "use symmetric (AES) encryption, which a keystore change does not touch");
    // Each piece of advice only where it agrees with the verdict: the shortcut only when
    // every encrypted value is under the source key; verify/finalize only for a journal.
    if (t[ValueState::source] == 0 && t[ValueState::target] > 0 && t[ValueState::undecryptable] == 0 &&
        !raw_in_unread_form && !journals)
        rep.advice.push_back("every value is already under the target key: nothing to migrate");
    const bool all_source = t[ValueState::source] > 0 && t[ValueState::target] == 0 &&
                            t[ValueState::undecryptable] == 0 && t[ValueState::foreign] == 0;
    if (all_source && !journals && keys.source.rsa && keys.target.rsa) rep.advice.push_back(shortcut_advice(keys));
    // run refuses while any target cannot be scanned: say so before pointing at it.
    const auto not_scanned =
        std::count_if(rep.targets.begin(), rep.targets.end(), [](const TargetReport& r) { return r.unscannable; });
    if (not_scanned > 0)
        rep.advice.push_back(std::to_string(not_scanned) +
                             " target(s) could not be scanned (listed under problems): run refuses until the targets "
                             "file, or the --db list, matches the database(s)");
    if (t[ValueState::source] > 0 && rep.problems.empty())
        rep.advice.push_back("next: ksmigrate run (it makes a backup of each database first, then works in "
                             "journaled batches; ksmigrate rollback undoes it)");
}

// SIGINT/SIGTERM (settings.stop) is honoured between batches: a plan over millions
// of values must not make the operator wait for the end or kill it.
void stop_if_asked(const MigrationSettings& s, ClassifyMode mode, const TargetReport& r) {
    if (!s.stop || !s.stop->load()) return;
    const std::string job = mode == ClassifyMode::verify ? "verify" : "plan";
    throw Error(ErrorKind::interrupted,
                "interrupted: " + job + " stopped after " + std::to_string(r.rows) + " row(s) of " + r.target.name() +
                    " in " + r.database + "; nothing was written",
                "run ksmigrate " + job + " again for a complete report");
}

MigrationReport survey(const MigrationKeys& keys, const MigrationSettings& s, ClassifyMode mode) {
    MigrationReport rep;
    rep.source = keys.source;
    rep.target = keys.target;
    detail::DatabaseSet set(s, Database::Mode::read_only);
    detail::ParallelMigrators migrators(keys, s.jobs);
    rep.problems = s.preflight_problems;
    const size_t journals = mode == ClassifyMode::verify ? 0 : report_journals(rep, set);

    for (auto& m : set.unscannable) {
        std::string what;
        for (size_t i = 0; i < m.scan_problems.size(); ++i) what += (i ? "; " : "") + m.scan_problems[i];
        rep.problems.push_back(Problem{"error", m.database, m.target.table, m.target.column, "", "not_scanned", what});
    }
    int64_t classified = 0;
    RawAesCounts raw;
    double crypto_seconds = 0;
    for (const auto& place : set.placements) {
        TargetReport r{place.db->name(), *place.target, false, {}, 0, {}, 0, {}, 0, 0};
        RowScanner scanner(*place.db, place.stored, s.batch_size);
        detail::Progress progress(mode == ClassifyMode::verify ? "verify " + r.target.name() : "plan " + r.target.name(),
                                  scanner.count_rows(), s.progress_on_terminal);
        std::vector<Row> rows;
        detail::TargetProblems problems(r);
        while (scanner.next_batch(rows)) {
            std::vector<detail::RowWork> batch;
            batch.reserve(rows.size());
            for (auto& row : rows) batch.push_back(detail::make_row_work(std::move(row), *place.target));
            const auto t0 = Clock::now();
            detail::classify_batch(batch, migrators, mode, false);
            crypto_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            for (const auto& w : batch) {
                detail::count_row(w, r.states);
                if (std::any_of(w.results.begin(), w.results.end(),
                                [](const Classification& c) { return c.state == ValueState::source; })) {
                    ++r.source_rows;
                    r.source_bytes += static_cast<int64_t>(w.row.value.bytes.size());
                }
                for (const auto& c : w.results) {
                    ++classified;
                    raw.add(c);
                    const bool bad = c.state == ValueState::undecryptable || c.state == ValueState::foreign ||
                                     (mode == ClassifyMode::verify && c.state == ValueState::source);
                    if (bad) problems.add(row_problem(r, place.shown(), w, c));
                }
            }
            r.rows += static_cast<int64_t>(batch.size());
            progress.advance(static_cast<int64_t>(batch.size()));
            stop_if_asked(s, mode, r);
        }
        problems.finish();
        rep.problems.insert(rep.problems.end(), r.problems.begin(), r.problems.end());
        rep.targets.push_back(std::move(r));
    }
    for (auto& m : set.unscannable) rep.targets.push_back(std::move(m));

    ValueMigrator config_migrator(keys);
    rep.config = detail::survey_config(s, config_migrator, mode, rep.problems);

    const int64_t to_migrate = rep.totals()[ValueState::source];
    if (mode != ClassifyMode::verify) {
        const double values_per_second = (mode == ClassifyMode::full && classified >= 64 && crypto_seconds > 0)
                                             ? static_cast<double>(classified) / crypto_seconds
                                             : measure_rate(keys, migrators);
        // A run decrypts and re-encrypts each source value; encryption and the writes
        // add a little on top of the private-key operation that dominates.
        if (values_per_second > 0) rep.estimated_seconds = 1.1 * static_cast<double>(to_migrate) / values_per_second;
    }
    add_advice(rep, keys, mode, journals, raw);
    return rep;
}

}  // namespace

MigrationReport plan_migration(const MigrationKeys& keys, const MigrationSettings& s, bool quick) {
    return survey(keys, s, quick ? ClassifyMode::quick : ClassifyMode::full);
}

MigrationReport verify_migration(const MigrationKeys& keys, const MigrationSettings& s) {
    return survey(keys, s, ClassifyMode::verify);
}

}  // namespace ksc
