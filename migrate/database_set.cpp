#include "database_set.hpp"

#include "ksc/error.hpp"
#include "ksc/row_scan.hpp"

namespace ksc::detail {

DatabaseSet::DatabaseSet(const MigrationSettings& s, Database::Mode mode) {
    if (s.databases.empty() && s.config_file.empty())
        fail_usage("nothing to work on: give --db FILE (repeatable) and/or a product home with deployment.toml");
    for (const auto& f : s.databases) databases.push_back(std::make_unique<Database>(f, mode));
    for (const Target& t : s.targets) {
        bool found = false;
        std::vector<std::string> first_missing;
        for (auto& db : databases) {
            const auto parts = missing_parts(*db, t);
            if (parts.empty()) {
                placements.push_back({db.get(), &t});
                found = true;
            } else if (db->table_exists(t.table)) {
                // The table is here but not as the target says: that is always a problem.
                TargetReport r{db->file().string(), t, true, parts, 0, {}, 0, {}, 0, 0};
                missing.push_back(std::move(r));
                found = true;
            } else if (first_missing.empty()) {
                first_missing = parts;
            }
        }
        if (!found && !databases.empty()) {
            TargetReport r{"", t, true, first_missing, 0, {}, 0, {}, 0, 0};
            missing.push_back(std::move(r));
        }
    }
}

}  // namespace ksc::detail
