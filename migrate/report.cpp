// The plan/run/verify report: the plan JSON (`ksmigrate plan --json`), Markdown for a
// change ticket, and a terminal table. Counts, keys and advice only: a report never
// holds a value, a plaintext or a password.
#include "ksc/migration.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace ksc {

int64_t StateCounts::total() const {
    int64_t t = 0;
    for (auto v : n) t += v;
    return t;
}

void StateCounts::add(const StateCounts& o) {
    for (size_t i = 0; i < n.size(); ++i) n[i] += o.n[i];
}

nlohmann::ordered_json StateCounts::to_json() const {
    nlohmann::ordered_json j;
    for (ValueState s : all_value_states) j[to_string(s)] = (*this)[s];
    return j;
}

std::string Problem::text() const {
    std::string out = database;
    const std::string where = table.empty() ? std::string() : table + (column.empty() ? "" : "." + column);
    if (!where.empty()) out += (out.empty() ? "" : ": ") + where;
    if (!row_key.empty()) out += " " + row_key;
    return out.empty() ? message : out + ": " + message;
}

nlohmann::ordered_json Problem::to_json() const {
    auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s); };
    return {{"severity", severity}, {"database", or_null(database)}, {"table", or_null(table)},
            {"column", or_null(column)}, {"row_key", or_null(row_key)}, {"state", or_null(state)},
            {"message", message}};
}

StateCounts MigrationReport::totals() const {
    StateCounts t;
    for (const auto& r : targets) t.add(r.states);
    t.add(config.states);
    return t;
}

namespace {

// A key as the plan shows it: the keystore entry and its certificate, or an AES key's
// origin, size and keyId. Never key material.
nlohmann::ordered_json key_json(const MigrationKey& key, bool with_de) {
    nlohmann::ordered_json j;
    if (key.aes) {
        j["kind"] = "AES";
        j["origin"] = key.aes->origin;
        j["key_bits"] = key.aes->bits();
        j["key_id"] = key.aes->id;
        return j;
    }
    const LoadedKey* k = key.rsa;
    if (!k) return j;
    j["kind"] = "RSA";
    j["file"] = k->file.string();
    j["alias"] = k->alias;
    j["thumbprint_sha1"] = k->facts.thumbprint_sha1;
    if (with_de) j["data_encipherment"] = k->facts.data_encipherment;
    j["not_before"] = k->facts.not_before;
    j["not_after"] = k->facts.not_after;
    return j;
}

constexpr int schema_version = 3;   // 1: the first plan JSON; 2 adds the change-ticket fields; 3 AES keys ("kind")

// What run will write, per database: the journal (each rewritten row's old and new
// value, so about twice their bytes, plus a row overhead) and the backup copy of the file.
struct WriteEstimate {
    std::string database;
    int64_t rows = 0, values = 0, journal_bytes = 0, backup_bytes = 0, free_bytes = -1;
};
std::vector<WriteEstimate> write_estimates(const std::vector<TargetReport>& targets) {
    std::vector<WriteEstimate> out;
    for (const auto& t : targets) {
        if (t.database.empty()) continue;
        auto it = std::find_if(out.begin(), out.end(), [&](const WriteEstimate& e) { return e.database == t.database; });
        if (it == out.end()) {
            WriteEstimate e;
            e.database = t.database;
            std::error_code ec;
            const auto size = std::filesystem::file_size(t.database, ec);
            e.backup_bytes = ec ? 0 : static_cast<int64_t>(size);
            const auto space = std::filesystem::space(std::filesystem::absolute(t.database, ec).parent_path(), ec);
            if (!ec) e.free_bytes = static_cast<int64_t>(space.available);
            out.push_back(e);
            it = out.end() - 1;
        }
        it->rows += t.source_rows;
        it->values += t.states[ValueState::source];
        it->journal_bytes += 2 * t.source_bytes + 128 * t.source_rows;
    }
    return out;
}

std::string mib(int64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

// Values left as they are, and why (for the change ticket's totals).
std::vector<std::pair<std::string, int64_t>> left_alone(const StateCounts& t) {
    return {{"already under the target key", t[ValueState::target]},
            {"empty (NULL or '')", t[ValueState::empty]},
            {"not encrypted", t[ValueState::not_encrypted]},
            {"foreign (under another key)", t[ValueState::foreign]},
            {"undecryptable", t[ValueState::undecryptable]},
            {"symmetric (AES, not part of a keystore change)", t[ValueState::symmetric]}};
}

std::vector<std::string> prerequisites(const MigrationKey& source) {
    std::string keep;
    if (source.kind() == KeyKind::aes) {
        // Appended: GCC 12 warns falsely (-Wrestrict) about "x" + std::string&&.
        keep = "Keep the source key (";
        keep += source.describe();
        keep += ", and a copy of it elsewhere) until ksmigrate verify passes and finalize has run: a value not "
                "moved, and every value after a rollback, reads only with it.";
    } else {
        keep = "Keep the old keystore until ksmigrate verify passes and the product runs with the new key: rollback "
               "needs it.";
    }
    return {"Stop every product node before ksmigrate run: a node still running with the old key keeps writing data "
            "under it.",
            "Take the usual database backup (ksmigrate's own copy is beside each SQLite file; a server database is the "
            "DBA's to back up).",
            keep};
}

std::string fmt_seconds(double s) {
    char buf[64];
    if (s < 120) std::snprintf(buf, sizeof buf, "%.1f s", s);
    else if (s < 7200) std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
    else std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
}

}  // namespace

nlohmann::ordered_json MigrationReport::to_json() const {
    nlohmann::ordered_json j;
    if (context) {
        j["schema_version"] = schema_version;
        j["generated_at"] = context->generated_at;
        j["tool_version"] = KSC_VERSION;
        j["host"] = context->host;
        j["command_line"] = context->command_line;
        j["targets_from"] = context->targets_from;
        j["databases"] = context->databases;
        j["verdict"] = go() ? "GO" : "NO-GO";
    }
    j["source"] = key_json(source, false);
    j["target"] = key_json(target, true);
    j["targets"] = nlohmann::ordered_json::array();
    for (const auto& r : targets) {
        nlohmann::ordered_json t;
        // null, not "": the target's table is in none of the databases given.
        t["database"] = r.database.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.database);
        t["table"] = r.target.table;
        t["column"] = r.target.column;
        t["rows"] = r.rows;
        t["states"] = r.states.to_json();
        if (r.unscannable) t["missing"] = r.scan_problems;
        if (r.rewritten) t["rewritten"] = r.rewritten;
        j["targets"].push_back(std::move(t));
    }
    // The same shape always (README.md "plan JSON"), so a script can read .config_secrets.states without a
    // special case: a skipped config step has file null, zero counts and a note why.
    nlohmann::ordered_json cs;
    cs["file"] = config.file.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(config.file.string());
    cs["states"] = config.states.to_json();
    if (!config.note.empty()) cs["note"] = config.note;
    if (config.rewritten) cs["rewritten"] = config.rewritten;
    j["config_secrets"] = std::move(cs);
    j["estimated_seconds"] = static_cast<double>(static_cast<int64_t>(estimated_seconds * 10 + 0.5)) / 10;
    if (context) {
        const StateCounts t = totals();
        nlohmann::ordered_json w = nlohmann::ordered_json::array();
        for (const auto& e : write_estimates(targets))
            w.push_back({{"database", e.database}, {"rows", e.rows}, {"values", e.values},
                         {"journal_tables", {"KSMIGRATE_RUN", "KSMIGRATE_JOURNAL"}},
                         {"journal_bytes_estimate", e.journal_bytes}, {"backup_bytes", e.backup_bytes},
                         {"free_bytes", e.free_bytes < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.free_bytes)}});
        j["run_writes"] = {{"databases", w},
                           {"config", config.file.empty() ? nlohmann::ordered_json(nullptr)
                                                          : nlohmann::ordered_json({{"file", config.file.string()},
                                                                                    {"values", config.states[ValueState::source]},
                                                                                    {"backup", config.file.string() + ".ksmigrate.bak"}})}};
        j["totals"] = {{"to_reencrypt", t[ValueState::source]}, {"states", t.to_json()}};
        j["prerequisites"] = prerequisites(source);
    }
    j["problems"] = nlohmann::ordered_json::array();
    j["problem_details"] = nlohmann::ordered_json::array();
    for (const auto& p : problems) {
        j["problems"].push_back(p.text());
        j["problem_details"].push_back(p.to_json());
    }
    j["advice"] = advice;
    return j;
}

std::string MigrationReport::to_table() const {
    std::ostringstream o;
    if (source.is_set()) o << "source key: " << source.describe() << "\n";
    if (target.is_set()) o << "target key: " << target.describe() << "\n";
    char line[512];
    std::snprintf(line, sizeof line, "\n%-46s %8s %8s %8s %8s %8s %8s %8s %8s\n", "target", "rows", "source",
                  "target", "empty", "plain", "foreign", "undecr.", "symm.");
    o << line;
    auto row = [&](const std::string& name, int64_t rows, const StateCounts& s) {
        std::snprintf(line, sizeof line, "%-46.46s %8lld %8lld %8lld %8lld %8lld %8lld %8lld %8lld\n", name.c_str(),
                      static_cast<long long>(rows), static_cast<long long>(s[ValueState::source]),
                      static_cast<long long>(s[ValueState::target]), static_cast<long long>(s[ValueState::empty]),
                      static_cast<long long>(s[ValueState::not_encrypted]),
                      static_cast<long long>(s[ValueState::foreign]),
                      static_cast<long long>(s[ValueState::undecryptable]),
                      static_cast<long long>(s[ValueState::symmetric]));
        o << line;
    };
    for (const auto& r : targets) {
        if (r.unscannable) {
            o << r.target.name() << "  NOT SCANNED: ";
            for (size_t i = 0; i < r.scan_problems.size(); ++i) o << (i ? "; " : "") << r.scan_problems[i];
            o << "\n";
            continue;
        }
        row(r.target.name(), r.rows, r.states);
    }
    if (!config.file.empty()) row("[secrets] of " + config.file.filename().string(), config.states.total(), config.states);
    else if (!config.note.empty()) o << "config: " << config.note << "\n";
    o << "(plain = not_encrypted; undecr. = undecryptable; symm. = symmetric)\n";
    if (estimated_seconds > 0) o << "estimated duration of run: " << fmt_seconds(estimated_seconds) << "\n";
    for (const auto& p : problems) o << "problem: " << p.text() << "\n";
    for (const auto& a : advice) o << "advice: " << a << "\n";
    return o.str();
}

std::string MigrationReport::to_markdown(const std::string& title) const {
    std::ostringstream o;
    o << "# " << title << "\n\n";
    o << "**Verdict: " << (go() ? "GO" : "NO-GO") << "**"
      << (go() ? "" : " (" + std::to_string(problems.size()) + " problem(s), listed below)") << "\n\n";
    if (context) {
        o << "| | |\n|---|---|\n"
          << "| generated | " << context->generated_at << " on `" << context->host << "` by ksmigrate " << KSC_VERSION
          << " |\n| command | `" << context->command_line << "` |\n| targets | " << context->targets_from << " |\n";
        for (const auto& d : context->databases) o << "| database | `" << d << "` |\n";
        o << "\n";
    }
    auto key_line = [&](const char* role, const MigrationKey& key) {
        if (key.aes) {
            o << "- " << role << " key: AES-" << key.aes->bits() << " from " << key.aes->origin << ", keyId `"
              << key.aes->id << "`\n";
            return;
        }
        const LoadedKey* k = key.rsa;
        if (!k) return;
        o << "- " << role << " key: `" << k->alias << "` in `" << k->file.string() << "`, thumbprint `"
          << k->facts.thumbprint_sha1 << "`, valid " << k->facts.not_before << " to " << k->facts.not_after
          << ", Data Encipherment " << (k->facts.data_encipherment ? "allowed" : "NOT allowed") << "\n";
    };
    key_line("Source", source);
    key_line("Target", target);
    if (estimated_seconds > 0) o << "- Estimated duration of the run: " << fmt_seconds(estimated_seconds) << "\n";
    if (context) {
        const StateCounts t = totals();
        o << "- Values to re-encrypt: " << t[ValueState::source] << "\n";
        for (const auto& [why, n] : left_alone(t))
            if (n) o << "- Left as they are: " << n << " " << why << "\n";
    }
    o << "\n| database | table.column | rows |";
    for (ValueState s : all_value_states) o << " " << to_string(s) << " |";
    o << "\n|---|---|---|";
    for (size_t i = 0; i < all_value_states.size(); ++i) o << "---|";
    o << "\n";
    for (const auto& r : targets) {
        o << "| " << r.database << " | " << r.target.name() << " | "
          << (r.unscannable ? "not scanned" : std::to_string(r.rows)) << " |";
        for (ValueState s : all_value_states) o << " " << r.states[s] << " |";
        o << "\n";
    }
    if (!config.file.empty()) {
        o << "| " << config.file.string() << " | [secrets] | " << config.states.total() << " |";
        for (ValueState s : all_value_states) o << " " << config.states[s] << " |";
        o << "\n";
    }
    if (context) {
        o << "\n## What `ksmigrate run` will write\n\n";
        for (const auto& e : write_estimates(targets)) {
            o << "- `" << e.database << "`: " << e.values << " value(s) in " << e.rows
              << " row(s) re-encrypted; tables KSMIGRATE_RUN and KSMIGRATE_JOURNAL added (about "
              << mib(e.journal_bytes) << ", dropped by finalize); a backup copy of the file (" << mib(e.backup_bytes)
              << (e.free_bytes >= 0 ? ", " + mib(e.free_bytes) + " free on its file system" : std::string()) << ")\n";
        }
        if (!config.file.empty())
            o << "- `" << config.file.string() << "`: " << config.states[ValueState::source]
              << " secret(s) re-encrypted last, after the databases; the previous file kept as `"
              << config.file.string() << ".ksmigrate.bak`\n";
        o << "\n## Prerequisites\n\n";
        for (const auto& p : prerequisites(source)) o << "- " << p << "\n";
    }
    if (!problems.empty()) {
        o << "\n## Problems\n\n";
        for (const auto& p : problems) o << "- " << p.text() << "\n";
    }
    if (!advice.empty()) {
        o << "\n## Advice\n\n";
        // Advice that carries a deployment.toml snippet: its first line as text, the rest fenced.
        for (const auto& a : advice) {
            const auto nl = a.find('\n');
            if (nl == std::string::npos) {
                o << "- " << a << "\n";
                continue;
            }
            o << "- " << a.substr(0, nl) << "\n\n  ```toml\n";
            std::istringstream rest(a.substr(nl + 1));
            for (std::string line; std::getline(rest, line);) o << "  " << line << "\n";
            o << "  ```\n";
        }
    }
    return o.str();
}

}  // namespace ksc
