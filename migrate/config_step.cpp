#include "config_step.hpp"

#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/secrets_editor.hpp"

#include <filesystem>

namespace ksc {

std::filesystem::path config_backup_path(const std::filesystem::path& config_file) {
    return config_file.string() + ".ksmigrate.bak";
}

namespace detail {

namespace {

std::string read_text(const std::filesystem::path& file) {
    const Bytes b = read_file(file);
    return std::string(b.begin(), b.end());
}

// Classifies every [secrets] value; with `edits`, source values get their new value.
ConfigReport walk(const MigrationSettings& s, ValueMigrator& m, ClassifyMode mode, std::vector<std::string>& problems,
                  std::vector<SecretReplacement>* edits, const std::string& text) {
    ConfigReport rep;
    rep.file = s.config_file;
    for (const SecretSlot& slot : find_secret_slots(text, s.config_file.filename().string())) {
        if (slot.value.empty()) {
            rep.states[ValueState::empty] += 1;
            continue;
        }
        if (slot.is_plaintext()) {
            rep.states[ValueState::not_encrypted] += 1;
            problems.push_back("[secrets] " + slot.alias + " is still plaintext: run kscipher configure");
            continue;
        }
        Classification c = m.classify(slot.value, mode);
        rep.states[c.state] += 1;
        const std::string where = "[secrets] " + slot.alias + " of " + s.config_file.string();
        if (c.state == ValueState::undecryptable || c.state == ValueState::foreign ||
            (mode == ClassifyMode::verify && c.state == ValueState::source)) {
            if (edits && c.state == ValueState::undecryptable && !s.skip_undecryptable)
                fail_refused(where + " does not decrypt under the source key (" + c.reason + "); nothing was changed in it",
                             "find the key it was encrypted with, or run again with --skip-undecryptable to leave it");
            problems.push_back(where + ": " + to_string(c.state) + (c.reason.empty() ? "" : " (" + c.reason + ")"));
        }
        if (edits && c.state == ValueState::source) edits->push_back({slot.begin, slot.end, m.reencrypt(c)});
    }
    return rep;
}

}  // namespace

ConfigReport survey_config(const MigrationSettings& s, ValueMigrator& m, ClassifyMode mode,
                           std::vector<std::string>& problems) {
    if (s.config_file.empty()) return ConfigReport{{}, s.config_note, {}, 0};
    return walk(s, m, mode, problems, nullptr, read_text(s.config_file));
}

ConfigReport migrate_config(const MigrationSettings& s, ValueMigrator& m, std::vector<std::string>& problems) {
    if (s.config_file.empty()) return ConfigReport{{}, s.config_note, {}, 0};
    const std::string text = read_text(s.config_file);
    std::vector<SecretReplacement> edits;
    ConfigReport rep = walk(s, m, ClassifyMode::full, problems, &edits, text);
    if (edits.empty()) return rep;
    rep.rewritten = static_cast<int64_t>(edits.size());
    // The first change keeps the original file; a resumed run must not overwrite it
    // with an already half-migrated one.
    const auto backup = config_backup_path(s.config_file);
    std::error_code ec;
    write_file_atomically(s.config_file, splice_secrets(text, std::move(edits)),
                          std::filesystem::exists(backup, ec) ? std::filesystem::path{} : backup);
    return rep;
}

}  // namespace detail
}  // namespace ksc
