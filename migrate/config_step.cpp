#include "config_step.hpp"

#include "ksc/bytes.hpp"
#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "ksc/secrets_editor.hpp"

#include <botan/hash.h>
#include <botan/hex.h>

#include <filesystem>

namespace ksc {

std::filesystem::path config_backup_path(const std::filesystem::path& config_file) {
    return config_file.string() + ".ksmigrate.bak";
}

namespace detail {

namespace {

std::string sha256_hex(std::string_view text) {
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    return Botan::hex_encode(h->final(), false);  // lowercase, as sha256sum prints it
}

// Classifies every [secrets] value; with `edits` (run), source values get their new value.
ConfigReport walk(const MigrationSettings& s, ValueMigrator& m, ClassifyMode mode, std::vector<Problem>& problems,
                  std::vector<SecretReplacement>* edits, std::string_view text) {
    ConfigReport rep;
    rep.file = s.config_file;
    for (const SecretSlot& slot : find_secret_slots(text, s.config_file.filename().string())) {
        if (slot.value.empty()) {
            rep.states[ValueState::empty] += 1;
            continue;
        }
        if (slot.is_plaintext()) {
            rep.states[ValueState::not_encrypted] += 1;
            problems.push_back(Problem{"error", "", "[secrets]", slot.alias, "", "not_encrypted",
                                       "still plaintext: run kscipher configure"});
            continue;
        }
        Classification c = m.classify(slot.value.text(), mode);
        rep.states[c.state] += 1;
        const std::string where = "[secrets] " + slot.alias + " of " + s.config_file.string();
        // run treats a foreign value as it treats one in a database: counted in the
        // states, left as it is, not a problem (plan and verify still list it).
        const bool foreign_in_run = edits && c.state == ValueState::foreign;
        if (!foreign_in_run && (c.state == ValueState::undecryptable || c.state == ValueState::foreign ||
                                (mode == ClassifyMode::verify && c.state == ValueState::source))) {
            if (edits && c.state == ValueState::undecryptable && !s.skip_undecryptable)
                fail_refused(where + " does not decrypt under the source key (" + c.reason + "); nothing was changed",
                             "find the key it was encrypted with, or run again with --skip-undecryptable to leave it");
            problems.push_back(Problem{"error", "", "[secrets]", slot.alias, "", to_string(c.state),
                                       to_string(c.state) + " in " + s.config_file.string() +
                                           (c.reason.empty() ? "" : " (" + c.reason + ")")});
        }
        if (edits && c.state == ValueState::source) edits->push_back({slot.begin, slot.end, m.reencrypt(c)});
    }
    return rep;
}

}  // namespace

ConfigReport survey_config(const MigrationSettings& s, ValueMigrator& m, ClassifyMode mode,
                           std::vector<Problem>& problems) {
    if (s.config_file.empty()) return ConfigReport{{}, s.config_note, {}, 0};
    const Password text(read_secret_file(s.config_file));
    return walk(s, m, mode, problems, nullptr, text.text());
}

ConfigEdit prepare_config(const MigrationSettings& s, ValueMigrator& m, std::vector<Problem>& problems) {
    if (s.config_file.empty()) return ConfigEdit{ConfigReport{{}, s.config_note, {}, 0}, {}};
    const Password text(read_secret_file(s.config_file));
    std::vector<SecretReplacement> edits;
    ConfigEdit out{walk(s, m, ClassifyMode::full, problems, &edits, text.text()), {}};
    if (edits.empty()) return out;
    out.report.rewritten = static_cast<int64_t>(edits.size());
    out.new_text = splice_secrets(text.text(), std::move(edits));
    return out;
}

void write_config(const MigrationSettings& s, const ConfigEdit& edit) {
    if (s.config_file.empty() || edit.report.rewritten == 0) return;
    // The first change keeps the original file; a resumed run must not overwrite it
    // with an already half-migrated one.
    const auto backup = config_backup_path(s.config_file);
    std::error_code ec;
    const bool first = !std::filesystem::exists(backup, ec);
    // Edited by hand since the last write: putting the backup back later would lose
    // that edit, so this write is not recorded and rollback will ask for a comparison.
    // (Still equal to the backup: an earlier first write failed after keeping it.)
    const bool as_written = first || config_is_as_written(s.config_file) || config_equals_backup(s.config_file);
    write_file_atomically(s.config_file, edit.new_text.text(), first ? backup : std::filesystem::path{});
    const auto record = config_record_path(s.config_file);
    if (as_written)
        write_file_atomically(record, sha256_hex(edit.new_text.text()) + "  " + s.config_file.filename().string() + "\n");
    else
        std::filesystem::remove(record, ec);
}

std::filesystem::path config_record_path(const std::filesystem::path& config_file) {
    return config_file.string() + ".ksmigrate.sha256";
}

bool config_is_as_written(const std::filesystem::path& config_file) {
    std::error_code ec;
    const auto record = config_record_path(config_file);
    if (!std::filesystem::exists(record, ec)) return false;
    const std::string line = read_text_file(record);
    const std::string want = line.substr(0, line.find(' '));
    return want.size() == 64 && want == sha256_hex(Password(read_secret_file(config_file)).text());
}

bool config_equals_backup(const std::filesystem::path& config_file) {
    return read_secret_file(config_file) == read_secret_file(config_backup_path(config_file));
}

}  // namespace detail
}  // namespace ksc
