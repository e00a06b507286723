#include "database_set.hpp"

#include "ksc/error.hpp"
#include "ksc/row_scan.hpp"

namespace ksc::detail {

DatabaseSet::DatabaseSet(const MigrationSettings& s, Database::Mode mode) {
    if (s.databases.empty() && s.config_file.empty())
        fail_usage("nothing to work on: give --db (repeatable) and/or a product home with deployment.toml");
    for (const auto& a : s.databases) databases.push_back(open_database(a, mode, s.credentials));
    for (const Target& t : s.targets) {
        bool found = false;
        std::vector<std::string> first_missing;
        for (auto& db : databases) {
            ScanPlan plan = plan_scan(*db, t);
            if (plan.problems.empty()) {
                placements.push_back({db.get(), &t, std::move(plan.stored)});
                found = true;
            } else if (plan.table_found) {
                // The table is here but not as the target says: that is always a problem.
                TargetReport r{db->name(), t, true, plan.problems, 0, {}, 0, {}, 0, 0};
                missing.push_back(std::move(r));
                found = true;
            } else if (first_missing.empty()) {
                first_missing = plan.problems;
            }
        }
        if (!found && !databases.empty()) {
            TargetReport r{"", t, true, first_missing, 0, {}, 0, {}, 0, 0};
            missing.push_back(std::move(r));
        }
    }
}

}  // namespace ksc::detail
