// Internal: the [secrets] of deployment.toml as part of a key change. Values are
// classified like database values; run rewrites those under the source key in
// place (only their bytes change), keeping the previous file for rollback and a
// record of what it wrote, so rollback never overwrites a file edited since. The
// file's text is held as a Password: it holds keystore passwords too.
#pragma once
#include "ksc/migration.hpp"
#include "ksc/password.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace ksc::detail {

ConfigReport survey_config(const MigrationSettings& s, ValueMigrator& m, ClassifyMode mode,
                           std::vector<Problem>& problems);

// run, in two steps so that every refusal (an undecryptable value) comes before
// anything is written anywhere: prepare classifies and re-encrypts in memory,
// write replaces the file (backup first) and records the new content's SHA-256.
struct ConfigEdit {
    ConfigReport report;
    Password new_text;      // meaningful when report.rewritten > 0
};
ConfigEdit prepare_config(const MigrationSettings& s, ValueMigrator& m, std::vector<Problem>& problems);
void write_config(const MigrationSettings& s, const ConfigEdit& edit);

// "<config>.ksmigrate.sha256": the SHA-256 of the content run last wrote, in
// sha256sum's format (so `sha256sum -c` checks it by hand too).
std::filesystem::path config_record_path(const std::filesystem::path& config_file);
// Whether the file is still exactly what run wrote (false without a record).
bool config_is_as_written(const std::filesystem::path& config_file);
// Whether the file's bytes equal the backup's (already put back by hand).
bool config_equals_backup(const std::filesystem::path& config_file);

}  // namespace ksc::detail
