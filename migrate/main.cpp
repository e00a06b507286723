// ksmigrate: moves data stored under one key to another (the shared primary keystore to
// a separate internal keystore; RSA to AES; one AES key to the next): plan, run,
// verify, status, rollback, finalize. Thin on purpose: options, keys, output; the work is in the library.
// Commands, exit codes and choices: README.md.
#include "declared_databases.hpp"
#include "key_choice.hpp"

#include "ksc/cli_parse.hpp"
#include "ksc/cli_support.hpp"
#include "ksc/clock.hpp"
#include "ksc/config_check.hpp"
#include "ksc/deployment_config.hpp"
#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/migration.hpp"
#include "ksc/targets.hpp"
#include "ksc/text.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <iostream>
#include <thread>
#include <unistd.h>

using namespace ksc;

namespace {

constexpr const char* program = "ksmigrate";

// The one piece of global state: set by SIGINT/SIGTERM, read between batches.
std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
    if (!stop_requested.exchange(true)) {
        // Said at once, so the operator knows the signal was heard (write(2): signal-safe).
        static const char msg[] =
            "\nksmigrate: note: stopping after this batch (a second Ctrl-C stops at once; the journal keeps the run "
            "resumable)\n";
        [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    }
    // A second signal ends the process at once (the journal keeps it resumable),
    // removing a half-written deployment.toml temp file first.
    end_cleanly_on_signals();
}

// plan, run and verify stop between batches on SIGINT/SIGTERM and exit 130. Installed
// once the keys are loaded: until then (a password prompt) a signal ends at once.
void stop_between_batches() {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
}

constexpr unsigned max_jobs = 256;

struct Options {
    std::string home, config;
    std::vector<std::string> databases;
    std::filesystem::path db_password_file;
    std::string db_password_env;
    std::string profile, targets_file;
    bool no_config = false, config_only = false;
    detail::KeySideOptions from = detail::key_side_options("--from-");
    detail::KeySideOptions to = detail::key_side_options("--to-");
    bool allow_default_key = false;
    std::string raw_aes;   // "", "gcm" or "keep"
    size_t batch_size = 500;
    // Two workers per core: Botan 2 computes half of each RSA private-key operation on its
    // own thread pool, so a worker waits for that half; with one worker per core the cores
    // sat about 9% idle (183% CPU on two), with two they stay busy (197%).
    unsigned jobs = std::min(max_jobs, 2 * std::max(1u, std::thread::hardware_concurrency()));
    std::string backup;
    bool no_backup = false, skip_undecryptable = false, quick = false, json_stdout = false, vacuum = false;
    std::string json_file, markdown_file;
    // As typed, for the plan report. Passwords never come from argv (only the names of
    // files and variables that hold them), so it holds none.
    std::string command_line;
};

void add_scope_options(CLI::App* cmd, Options& o) {
    cmd->add_option("--home", o.home, "product home (default: $CARBON_HOME, else the current folder)");
    cmd->add_option("--config", o.config, "deployment.toml (default: HOME/repository/conf/deployment.toml)");
    cmd->add_option("--db", o.databases,
                    "database: a SQLite file, postgresql://USER@HOST:PORT/DB (repeatable; no password in the URL)");
    auto* pwfile = cmd->add_option("--db-password-file", o.db_password_file, "server database password: first line of FILE");
    cmd->add_option("--db-password-env", o.db_password_env, "server database password: environment variable")
        ->excludes(pwfile);
    auto* profile = cmd->add_option("--profile", o.profile, "built-in target list (wso2-apim-4, the default)");
    cmd->add_option("--targets", o.targets_file, "TOML file listing the targets")->excludes(profile);
    auto* no_config = cmd->add_flag("--no-config", o.no_config, "leave the [secrets] of deployment.toml alone");
    cmd->add_flag("--config-only", o.config_only, "deployment.toml alone, on purpose: no database")
        ->excludes(no_config);
}

void add_key_options(CLI::App* cmd, Options& o) {
    for (auto [side, k] : {std::pair{"from", &o.from}, std::pair{"to", &o.to}}) {
        const std::string s = side;
        const std::string what = s == "from" ? "source" : "target";
        auto* ks = cmd->add_option("--" + s + "-keystore", k->keystore, what + " keystore (default: deployment.toml)");
        cmd->add_option("--" + s + "-alias", k->alias, what + " key alias")->needs(ks);
        cmd->add_option("--" + s + "-type", k->type, what + " keystore type (default: detected)")->needs(ks);
        cmd->add_option("--" + s + "-password-file", k->password.file, what + " keystore password: first line of FILE");
        cmd->add_option("--" + s + "-password-env", k->password.env, what + " keystore password: environment variable");
        cmd->add_option("--" + s + "-key-password-file", k->key_password_file,
                        what + " key password (JKS) when it differs from the store's: first line of FILE");
        cmd->add_option("--" + s, k->role,
                        what + " key by its role in deployment.toml: primary, internal, encryption-key ([encryption] "
                               "key), old-encryption-key ([encryption] old_key); default: " +
                            (s == "from" ? "primary" : "internal"))
            ->check(CLI::IsMember(detail::key_role_names));
        auto* aes_file = cmd->add_option("--" + s + "-encryption-key-file", k->aes.file,
                                         what + " AES key: first line of FILE (64 or 48 hex digits, or the key text)")
                             ->excludes(ks);
        cmd->add_option("--" + s + "-encryption-key-env", k->aes.env, what + " AES key: environment variable")
            ->excludes(ks)
            ->excludes(aes_file);
    }
    cmd->add_flag("--allow-default-key", o.allow_default_key,
                  "accept the public Identity Server default AES key as the target (anyone can decrypt with it)");
    cmd->add_option("--raw-aes", o.raw_aes,
                    "also move legacy raw AES values (IS 5.10: AES/ECB/PKCS5Padding, no keyId) under the source AES "
                    "key: gcm = rewrite them as AES-GCM (what IS 5.11+ and API-M 4.7 read by default), keep = as "
                    "raw AES (a product still running with org.wso2.CipherTransformation AES); a resumed run "
                    "needs the form it began with")
        ->transform(CLI::IsMember({"gcm", "keep"}, CLI::ignore_case));
    cmd->add_option("--jobs", o.jobs, "worker threads for the RSA work (default: twice the number of cores)")
        ->check(CLI::Range(1u, max_jobs));
    cmd->add_option("--batch-size", o.batch_size, "rows per batch (default 500)")->check(CLI::Range(1, 100000));
}

std::optional<DeploymentConfig> load_config_if_present(const Options& o) {
    const auto home = resolve_home(o.home);
    const auto file = resolve_config(o.config, home);
    std::error_code ec;
    if (o.config.empty() && !std::filesystem::exists(file, ec)) return std::nullopt;
    return DeploymentConfig::load(file, home);
}

// The same database named twice (x and ./x, or through a symlink) would be counted
// twice by plan and lock itself out in run: each database once, under its first spelling.
std::vector<DatabaseAddress> distinct_databases(const std::vector<std::string>& given) {
    std::vector<DatabaseAddress> out;
    std::vector<std::filesystem::path> seen;
    for (const auto& d : given) {
        DatabaseAddress a = parse_database_address(d);
        bool dup = false;
        if (a.is_server()) {
            dup = std::find(out.begin(), out.end(), a) != out.end();
        } else {
            std::error_code ec;
            std::filesystem::path canon = std::filesystem::weakly_canonical(a.file, ec);
            if (ec) canon = a.file.lexically_normal();
            for (size_t i = 0; i < seen.size() && !dup; ++i) {
                std::error_code ec2;
                dup = seen[i] == canon || std::filesystem::equivalent(seen[i], canon, ec2);  // hard links too
            }
            if (!dup) seen.push_back(canon);
        }
        if (dup) {
            print_note(program, a.display() + " names a database already given; it is used once");
            continue;
        }
        out.push_back(std::move(a));
    }
    return out;
}

// A server's password: from a file or a variable, never from argv; none given leaves
// libpq to its own PGPASSFILE (~/.pgpass).
DatabaseCredentials database_credentials(const Options& o) {
    DatabaseCredentials c;
    if (!o.db_password_file.empty()) c.password = read_password_file(o.db_password_file);
    if (!o.db_password_env.empty()) {
        const char* v = std::getenv(o.db_password_env.c_str());
        if (!v) fail_usage("--db-password-env " + o.db_password_env + ": no such environment variable");
        c.password = Password(std::string_view(v));
    }
    return c;
}

// A [database.*] password written as $secret{alias}: decrypted from [secrets] with the
// product's internal key (where run moves [secrets]), else its primary key (where they
// are before the run). Never printed.
Password reveal_secret(const Options& o, const DeploymentConfig& cfg, const std::string& alias) {
    const auto it = cfg.secrets.find(alias);
    if (it == cfg.secrets.end())
        fail_input(cfg.file.string() + ": a [database] password is $secret{" + alias + "}, which [secrets] does not hold");
    const std::string_view v = it->second.text();
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') return Password(std::string_view(v).substr(1, v.size() - 2));
    Botan::AutoSeeded_RNG rng;
    std::string why;
    for (const auto& [role, k] : {std::pair{"internal", &o.to}, std::pair{"primary", &o.from}}) {
        try {
            const LoadedKey key = load_key(key_spec_for_role(cfg, role, k->password, k->key_password_file), true);
            return Password(decrypt_value(*key.private_key, v, PlainDecryption{}, "$secret{" + alias + "}", rng));
        } catch (const Error& e) {
            if (why.empty()) why = e.what();
        }
    }
    fail_input("cannot decrypt $secret{" + alias + "} (a [database] password of deployment.toml) with the internal or "
               "the primary key: " + why,
               "give the database with --db and its password with --db-password-file");
}

// With no database, run would move only deployment.toml and leave every stored value
// under a key the product no longer uses; finalize would then drop the way back. So
// leaving the databases out must be said (--config-only), never assumed: with no --db,
// the databases are those deployment.toml declares ([database.*]).
void require_database_choice(const Options& o, const std::optional<DeploymentConfig>& cfg) {
    if (o.config_only && !o.databases.empty())
        fail_usage("--config-only and --db exclude each other", "leave out --config-only to work on the databases too");
    if (o.databases.empty() && !o.config_only && !(cfg && !cfg->databases.empty()))
        fail_usage("no database given: the data stored under the old key would be left behind",
                   "give every product database with --db (repeatable), or --config-only to work on "
                   "deployment.toml alone");
}

MigrationSettings settings(const Options& o, const std::optional<DeploymentConfig>& cfg) {
    require_database_choice(o, cfg);
    MigrationSettings s;
    if (!o.databases.empty() || o.config_only) {
        s.databases = distinct_databases(o.databases);
        s.credentials = database_credentials(o);
    } else {
        auto declared = detail::declared_databases(*cfg, [&](const std::string& alias) { return reveal_secret(o, *cfg, alias); });
        for (size_t i = 0; i < declared.addresses.size(); ++i)
            print_note(program, "database " + declared.names[i] + " from deployment.toml: " + declared.addresses[i].display());
        s.databases = std::move(declared.addresses);
        s.database_names = std::move(declared.names);
        s.credentials = std::move(declared.credentials);
    }
    s.targets = !o.targets_file.empty() ? load_targets_file(o.targets_file)
                                        : builtin_profile(o.profile.empty() ? "wso2-apim-4" : o.profile);
    if (o.no_config) s.config_note = "--no-config: deployment.toml left alone";
    else if (o.from.is_aes() || o.to.is_aes())
        // Secure vault decrypts [secrets] with the keystore, never with [encryption] key.
        s.config_note = "the [secrets] of deployment.toml stay under the keystore (secure vault reads them with it, not "
                        "with the AES key): config step skipped";
    else if (!cfg) s.config_note = "no deployment.toml found (give --home or --config): config step skipped";
    else {
        s.config_file = cfg->file;
        s.config_text = cfg->text;
    }
    s.batch_size = o.batch_size;
    s.jobs = o.jobs;
    s.skip_undecryptable = o.skip_undecryptable;
    s.backup_file = o.backup;
    s.no_backup = o.no_backup;
    s.stop = &stop_requested;
    s.progress_on_terminal = ::isatty(STDERR_FILENO) == 1;
#ifdef KSC_FAULT_INJECTION
    // ksmigrate_faulty only: KSC_FAULT_AT=POINT:N ends the process (SIGKILL, as a crash
    // or kill -9 would) the Nth time run reaches POINT; KSC_FAULT_AT=POINT:N:pause stops
    // it there (SIGSTOP) so a test can act meanwhile (a product write, a server restart)
    // and let it go on with SIGCONT. The release binary has no such code.
    if (const char* at = std::getenv("KSC_FAULT_AT"); at && *at) {
        std::string spec = at;
        const bool pause = spec.ends_with(":pause");
        if (pause) spec.resize(spec.size() - 6);
        const auto colon = spec.rfind(':');
        const std::string point = spec.substr(0, colon);
        auto remaining = std::make_shared<long>(colon == std::string::npos ? 1 : std::stol(spec.substr(colon + 1)));
        s.fault = [point, remaining, pause](std::string_view p) {
            if (p == point && --*remaining == 0) ::kill(::getpid(), pause ? SIGSTOP : SIGKILL);
        };
    }
#endif
    s.notify = [](const std::string& line) {
        std::cout.flush();
        print_note(program, line);
    };
    if (!o.backup.empty() && s.databases.size() > 1)
        fail_usage("--backup names one file but there are several databases", "leave it out to get one backup per database");
    return s;
}

using Keys = detail::ChosenKeys;

// Both keys, with the keystores' warnings and the notes said once, before any work.
Keys load_keys(const Options& o, const std::optional<DeploymentConfig>& cfg, bool defer_refusal = false) {
    if (!o.raw_aes.empty() && !o.from.is_aes())
        fail_usage("--raw-aes: the source key is not an AES key, so no raw AES value is under it",
                   "raw AES values are under [encryption] key or old_key: name the one they are under with --from");
    Keys k = detail::choose_keys(o.from, o.to, cfg, o.allow_default_key, defer_refusal);
    k.raw_aes = o.raw_aes.empty() ? RawAes::off : o.raw_aes == "keep" ? RawAes::keep : RawAes::to_gcm;
    for (const auto& w : k.warnings) print_warning(program, w);
    for (const auto& n : k.notes) print_note(program, n);
    return k;
}

void print_keys(const Keys& k) {
    const MigrationKeys keys = k.keys();
    std::cout << "source key: " << keys.source.describe() << "\n"
              << "target key: " << keys.target.describe() << std::endl;  // before the progress lines on stderr
}

int plan_exit(const MigrationReport& r) {
    const StateCounts t = r.totals();
    bool unscannable = false;
    for (const auto& tr : r.targets) unscannable |= tr.unscannable;
    return (t[ValueState::undecryptable] || t[ValueState::foreign] || unscannable || !r.problems.empty())
               ? exit_code::problems
               : exit_code::ok;
}

// kscipher check's errors for the keystores a migration moves data between (primary and
// internal): a product that cannot load its keys after the run (a key_password typo, a
// type that does not match the file) cannot read the migrated data either. Only when the
// keys come from deployment.toml; explicit keystores are checked by loading them.
std::vector<Problem> keystore_rule_problems(const Options& o, const std::optional<DeploymentConfig>& cfg) {
    std::vector<Problem> out;
    if (!cfg || !o.from.keystore.empty() || !o.to.keystore.empty() || (o.from.is_aes() && o.to.is_aes())) return out;
    for (const auto& f : check_config(*cfg, std::nullopt)) {
        if (f.severity != "error" || (f.table != "keystore.primary" && f.table != "keystore.internal")) continue;
        out.push_back(Problem{"error", "", "", "", "", "keystore", "[" + f.table + "] " + f.message});
    }
    return out;
}

// A report file's folder must exist and be writable before minutes of scanning, not after.
void require_writable_report(const std::string& file, const char* option) {
    if (file.empty()) return;
    const std::filesystem::path p(file);
    const auto folder = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        fail_input(std::string(option) + " " + file + ": the folder " + folder.string() + " does not exist");
    if (::access(folder.c_str(), W_OK) != 0)
        fail_input(std::string(option) + " " + file + ": the folder " + folder.string() + " is not writable");
}

ReportContext report_context(const Options& o, const MigrationSettings& s) {
    ReportContext c;
    c.generated_at = utc_now();
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) c.host = host;
    c.command_line = o.command_line;
    c.targets_from = !o.targets_file.empty() ? "targets file " + std::filesystem::absolute(o.targets_file).string()
                                             : "profile " + (o.profile.empty() ? std::string("wso2-apim-4") : o.profile);
    for (const auto& d : s.databases)
        c.databases.push_back(d.is_server() ? d.display() : std::filesystem::absolute(d.file).lexically_normal().string());
    c.quick = o.quick;
    return c;
}

void write_reports(const Options& o, const MigrationReport& r) {
    if (!o.json_file.empty()) write_file_atomically(o.json_file, r.to_json().dump(2) + "\n", {}, std::filesystem::perms(0644));
    if (!o.markdown_file.empty())
        write_file_atomically(o.markdown_file, r.to_markdown(o.quick ? "ksmigrate plan (quick)" : "ksmigrate plan"), {},
                              std::filesystem::perms(0644));
}

int cmd_plan(const Options& o) {
    require_writable_report(o.json_file, "--json");
    require_writable_report(o.markdown_file, "--markdown");
    const auto cfg = load_config_if_present(o);
    MigrationSettings s = settings(o, cfg);
    const Keys k = load_keys(o, cfg, true);
    if (k.refusal) {
        // The change ticket still gets its report: the keys, and why it is NO-GO.
        MigrationReport r;
        r.source = k.keys().source;
        r.target = k.keys().target;
        r.context = report_context(o, s);
        r.problems.push_back(Problem{"error", "", "", "", "", "refused", k.refusal->what()});
        if (!k.refusal->hint().empty()) r.advice.push_back(k.refusal->hint());
        write_reports(o, r);
        throw *k.refusal;
    }
    if (!k.not_product_key.empty())
        s.preflight_problems.push_back(Problem{"error", "", "", "", "", "key", k.not_product_key});
    for (auto& p : keystore_rule_problems(o, cfg)) s.preflight_problems.push_back(std::move(p));
    stop_between_batches();
    MigrationReport r = plan_migration(k.keys(), s, o.quick);
    r.context = report_context(o, s);
    std::cout << r.to_table();
    write_reports(o, r);
    return plan_exit(r);
}

// Values for another certificate are not run's to change, in a database or in
// deployment.toml alike: said, left, and not a problem (plan lists them).
std::string foreign_left(const StateCounts& states) {
    const int64_t n = states[ValueState::foreign];
    return n ? ", " + std::to_string(n) + " foreign value(s) left as they are" : std::string();
}

int cmd_run(const Options& o) {
    const auto cfg = load_config_if_present(o);
    const MigrationSettings s = settings(o, cfg);
    const Keys k = load_keys(o, cfg);
    if (!k.not_product_key.empty()) fail_refused(k.not_product_key + "; nothing was changed", k.product_key_hint);
    if (const auto rules = keystore_rule_problems(o, cfg); !rules.empty())
        fail_refused(rules.front().message + (rules.size() > 1 ? " (and " + std::to_string(rules.size() - 1) + " more)" : "") +
                         "; nothing was changed",
                     "the product could not load its keys as configured: kscipher check lists every rule; fix "
                     "deployment.toml first");
    print_keys(k);
    stop_between_batches();
    const MigrationReport r = run_migration(k.keys(), s);
    int64_t rewritten = r.config.rewritten;
    for (const auto& t : r.targets) {
        std::cout << t.target.name() << " in " << t.database << ": " << t.rows << " rows, " << t.rewritten
                  << " value(s) re-encrypted" << foreign_left(t.states) << "\n";
        rewritten += t.rewritten;
    }
    if (!s.config_file.empty())
        std::cout << "[secrets] of " << s.config_file.string() << ": " << r.config.rewritten << " value(s) re-encrypted"
                  << foreign_left(r.config.states) << "\n";
    else
        print_note(program, s.config_note);
    for (const auto& p : r.problems) std::cout << "problem: " << p.text() << "\n";
    std::cout << rewritten << " value(s) re-encrypted for " << k.keys().target.describe()
              << "\nnext: ksmigrate verify, then ksmigrate finalize (or ksmigrate rollback)\n";
    return r.problems.empty() ? exit_code::ok : exit_code::problems;
}

int cmd_verify(const Options& o) {
    const auto cfg = load_config_if_present(o);
    const MigrationSettings s = settings(o, cfg);
    const Keys k = load_keys(o, cfg);
    stop_between_batches();
    MigrationReport r = verify_migration(k.keys(), s);
    // A table in none of the databases holds no value that could be unreadable (a
    // profile lists tables a product version may not have): a note, not a failure.
    // A table that is there but cannot be scanned as the target says may hold values
    // verify did not check: that stays a problem.
    size_t absent = 0, unscanned = 0;
    for (const auto& t : r.targets) {
        if (!t.unscannable) continue;
        if (!t.database.empty()) {
            ++unscanned;
            continue;
        }
        ++absent;
    }
    // The problems survey() made for those targets: in none of the databases (no database
    // named), not scanned. Each becomes a note.
    std::erase_if(r.problems, [](const Problem& p) {
        if (p.state != "not_scanned" || !p.database.empty()) return false;
        print_note(program, "nothing to verify for " + p.text());
        return true;
    });
    if (o.json_stdout) std::cout << r.to_json().dump(2) << "\n";
    else std::cout << r.to_table();
    const StateCounts t = r.totals();
    const int64_t failures = t[ValueState::source] + t[ValueState::undecryptable] + t[ValueState::foreign];
    if (!o.json_stdout) {
        if (failures) std::cout << failures << " value(s) not readable under the target key\n";
        if (unscanned)
            std::cout << unscanned << " target(s) could not be scanned (see the problems): their values were not verified\n";
        if (!failures && !unscanned)
            std::cout << (absent ? "verified: every value found is readable under the target key (" +
                                       std::to_string(absent) + " target(s) in none of the databases, see the notes)\n"
                                 : std::string("verified: every targeted value is readable under the target key\n"));
    }
    return (failures || unscanned) ? exit_code::problems : exit_code::ok;
}

int cmd_status(const Options& o) {
    const auto cfg = load_config_if_present(o);
    const auto status = migration_status(settings(o, cfg));
    if (o.json_stdout) {
        std::cout << status.dump(2) << "\n";
        return exit_code::ok;
    }
    for (const auto& d : status["databases"]) {
        std::cout << d["database"].get<std::string>() << ": ";
        if (!d["journal"].get<bool>()) {
            std::cout << "no migration journal\n";
            continue;
        }
        if (d.contains("note")) {  // a journal half created, no run recorded in it
            std::cout << d["note"].get<std::string>()
                      << (d["running"].is_boolean() && d["running"].get<bool>() ? " (a run holds the lock now)" : "")
                      << "\n";
            continue;
        }
        std::cout << "started at " << d.value("started_at", std::string())
                  << (d.value("finished", false) ? ", finished at " + d["finished_at"].get<std::string>()
                                                 : std::string(", unfinished"))
                  << (d["running"].is_null() ? ", running: cannot tell (lock file not readable)"
                      : d["running"].get<bool>() ? ", running now" : "")
                  << "\n  source " << d.value("source_key", std::string()) << " -> target "
                  << d.value("target_key", std::string())
                  << (d.contains("raw_aes") ? " (--raw-aes " + d["raw_aes"].get<std::string>() + ")" : std::string())
                  << "\n";
        for (const auto& t : d["targets"])
            std::cout << "  " << t["target"].get<std::string>() << ": " << t["values"].get<int64_t>() << " value(s) in "
                      << t["rows"].get<int64_t>() << " row(s) re-encrypted\n";
        if (!d.value("backup_file", std::string()).empty())
            std::cout << "  backup: " << d["backup_file"].get<std::string>() << "\n";
    }
    if (status.contains("config"))
        std::cout << status["config"]["file"].get<std::string>() << ": "
                  << (status["config"]["backup"].is_null() ? "not changed by ksmigrate"
                                                           : "changed; previous file kept at " +
                                                                 status["config"]["backup"].get<std::string>())
                  << "\n";
    return exit_code::ok;
}

std::string key_text(const Target& t) {
    if (t.key.empty()) return "(none: SQLite rowid)";
    std::string out;
    for (const auto& k : t.key) out += (out.empty() ? "" : ", ") + k;
    return out;
}

// The targets of --profile NAME or --targets FILE, as plan and run would use them.
int cmd_targets(const Options& o) {
    if (o.profile == "list") {
        for (const auto& name : builtin_profile_names()) std::cout << name << "\n";
        return exit_code::ok;
    }
    const std::vector<Target> targets = !o.targets_file.empty() ? load_targets_file(o.targets_file)
                                                               : builtin_profile(o.profile.empty() ? "wso2-apim-4" : o.profile);
    if (o.json_stdout) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const auto& t : targets)
            out.push_back({{"table", t.table}, {"column", t.column}, {"key", t.key}, {"where", t.where},
                           {"kind", t.kind == TargetKind::value ? "value" : "json-encrypted-values"}});
        std::cout << out.dump(2) << "\n";
        return exit_code::ok;
    }
    for (const auto& t : targets) {
        std::cout << t.name() << "\n  key:   " << key_text(t) << "\n  kind:  "
                  << (t.kind == TargetKind::value ? "value" : "json-encrypted-values") << "\n";
        if (!t.where.empty()) std::cout << "  where: " << t.where << "\n";
    }
    std::cout << targets.size() << " target(s)\n";
    return exit_code::ok;
}

// rollback/finalize: what was done, then what needs the operator's hand (exit 1).
int print_outcome(const JobOutcome& out) {
    for (const auto& l : out.lines) std::cout << l << "\n";
    for (const auto& p : out.problems) std::cout << "problem: " << p << "\n";
    return out.problems.empty() ? exit_code::ok : exit_code::problems;
}

}  // namespace

int main(int argc, char** argv) {
    end_cleanly_on_signals();
    return run_guarded(program, [&]() -> int {
        CLI::App app{"ksmigrate: re-encrypt WSO2 data stored under one key (keystore or AES) for another"};
        app.require_subcommand(1);
        app.set_version_flag("--version", std::string("ksmigrate ") + KSC_VERSION);
        app.footer("Example (move to a separate internal keystore configured in deployment.toml):\n"
                   "  ksmigrate plan   --home /opt/wso2am --db WSO2AM_DB.db --markdown plan.md\n"
                   "  ksmigrate run    --home /opt/wso2am --db WSO2AM_DB.db\n"
                   "  ksmigrate verify --home /opt/wso2am --db WSO2AM_DB.db\n"
                   "AES keys ([encryption] key / old_key of deployment.toml): add --from internal --to encryption-key\n"
                   "(upgrade to symmetric), or --from old-encryption-key --to encryption-key (rotation).\n"
                   "Exit codes: 0 ok, 1 problems found, 2 usage, 3 bad input, 4 refused for safety, 130 interrupted.");
        Options o;
        for (int i = 0; i < argc; ++i) o.command_line += (i ? " " : "") + std::string(argv[i]);

        auto* plan = app.add_subcommand("plan", "dry run: classify every value and report; writes nothing");
        add_scope_options(plan, o);
        add_key_options(plan, o);
        plan->add_flag("--quick", o.quick, "classify self-contained values by thumbprint only");
        plan->add_option("--json", o.json_file, "write the report as JSON to FILE");
        plan->add_option("--markdown", o.markdown_file, "write the report as Markdown to FILE");

        auto* run = app.add_subcommand("run", "re-encrypt in journaled, resumable batches");
        add_scope_options(run, o);
        add_key_options(run, o);
        auto* backup = run->add_option("--backup", o.backup, "database backup file (default: timestamped, beside it)");
        run->add_flag("--no-backup", o.no_backup, "no database backup (deployment.toml is always kept)")->excludes(backup);
        run->add_flag("--skip-undecryptable", o.skip_undecryptable, "leave values that do not decrypt, and list them");

        auto* verify = app.add_subcommand("verify", "check every targeted value is readable under the target key");
        add_scope_options(verify, o);
        add_key_options(verify, o);
        verify->add_flag("--json", o.json_stdout, "machine-readable output");

        auto* status = app.add_subcommand("status", "progress of a run, from the journal");
        add_scope_options(status, o);
        status->add_flag("--json", o.json_stdout, "machine-readable output");

        auto* rollback = app.add_subcommand("rollback", "put back the old values and the previous deployment.toml");
        add_scope_options(rollback, o);
        auto* finalize = app.add_subcommand("finalize", "remove the journal once the migration is accepted");
        add_scope_options(finalize, o);
        finalize->add_flag("--vacuum", o.vacuum, "give the space the journal took back to the file system (VACUUM)");

        auto* targets = app.add_subcommand("targets", "print the targets of --profile NAME or --targets FILE");
        auto* targets_profile = targets->add_option("--profile", o.profile, "built-in target list; `list` lists them");
        targets->add_option("--targets", o.targets_file, "TOML file listing the targets")->excludes(targets_profile);
        targets->add_flag("--json", o.json_stdout, "machine-readable output");

        if (auto done = parse_command_line(app, argc, argv)) return *done;
        if (*targets) return cmd_targets(o);
        if (*plan) return cmd_plan(o);
        if (*run) return cmd_run(o);
        if (*verify) return cmd_verify(o);
        if (*status) return cmd_status(o);
        const auto cfg = load_config_if_present(o);
        if (*rollback) return print_outcome(rollback_migration(settings(o, cfg)));
        return print_outcome(finalize_migration(settings(o, cfg), o.vacuum));
    });
}
