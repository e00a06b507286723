// Internal: the [secrets] of deployment.toml as part of a key change. Values are
// classified like database values; run rewrites those under the source key in
// place (only their bytes change), keeping the previous file for rollback.
#pragma once
#include "ksc/migration.hpp"

#include <string>
#include <vector>

namespace ksc::detail {

ConfigReport survey_config(const MigrationSettings& s, ValueMigrator& m, ClassifyMode mode,
                           std::vector<std::string>& problems);
ConfigReport migrate_config(const MigrationSettings& s, ValueMigrator& m, std::vector<std::string>& problems);

}  // namespace ksc::detail
