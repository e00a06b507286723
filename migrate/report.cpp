// The plan/run/verify report: the JSON of ../shared/design/CLI.md, Markdown for a
// change ticket, and a terminal table. Counts, keys and advice only: a report never
// holds a value, a plaintext or a password.
#include "ksc/migration.hpp"

#include <cstdio>
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

nlohmann::ordered_json key_json(const LoadedKey* k, bool with_de) {
    nlohmann::ordered_json j;
    if (!k) return j;
    j["file"] = k->file.string();
    j["alias"] = k->alias;
    j["thumbprint_sha1"] = k->facts.thumbprint_sha1;
    if (with_de) j["data_encipherment"] = k->facts.data_encipherment;
    return j;
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
        if (r.missing) t["missing"] = r.missing_parts;
        if (r.rewritten) t["rewritten"] = r.rewritten;
        j["targets"].push_back(std::move(t));
    }
    // The CLI.md shape always, so a script can read .config_secrets.states without a
    // special case: a skipped config step has file null, zero counts and a note why.
    nlohmann::ordered_json cs;
    cs["file"] = config.file.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(config.file.string());
    cs["states"] = config.states.to_json();
    if (!config.note.empty()) cs["note"] = config.note;
    if (config.rewritten) cs["rewritten"] = config.rewritten;
    j["config_secrets"] = std::move(cs);
    j["estimated_seconds"] = static_cast<double>(static_cast<int64_t>(estimated_seconds * 10 + 0.5)) / 10;
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
    if (source) o << "source key: " << source->describe() << "\n";
    if (target) o << "target key: " << target->describe() << "\n";
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
        if (r.missing) {
            o << r.target.name() << "  NOT SCANNED: ";
            for (size_t i = 0; i < r.missing_parts.size(); ++i) o << (i ? "; " : "") << r.missing_parts[i];
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
    if (source) o << "- Source key: `" << source->alias << "` in `" << source->file.string() << "`, thumbprint `"
                  << source->facts.thumbprint_sha1 << "`\n";
    if (target) o << "- Target key: `" << target->alias << "` in `" << target->file.string() << "`, thumbprint `"
                  << target->facts.thumbprint_sha1 << "`, Data Encipherment "
                  << (target->facts.data_encipherment ? "allowed" : "NOT allowed") << "\n";
    if (estimated_seconds > 0) o << "- Estimated duration of the run: " << fmt_seconds(estimated_seconds) << "\n";
    o << "\n| database | table.column | rows |";
    for (ValueState s : all_value_states) o << " " << to_string(s) << " |";
    o << "\n|---|---|---|";
    for (size_t i = 0; i < all_value_states.size(); ++i) o << "---|";
    o << "\n";
    for (const auto& r : targets) {
        o << "| " << r.database << " | " << r.target.name() << " | "
          << (r.missing ? "not scanned" : std::to_string(r.rows)) << " |";
        for (ValueState s : all_value_states) o << " " << r.states[s] << " |";
        o << "\n";
    }
    if (!config.file.empty()) {
        o << "| " << config.file.string() << " | [secrets] | " << config.states.total() << " |";
        for (ValueState s : all_value_states) o << " " << config.states[s] << " |";
        o << "\n";
    }
    if (!problems.empty()) {
        o << "\n## Problems\n\n";
        for (const auto& p : problems) o << "- " << p.text() << "\n";
    }
    if (!advice.empty()) {
        o << "\n## Advice\n\n";
        for (const auto& a : advice) o << "- " << a << "\n";
    }
    return o.str();
}

}  // namespace ksc
