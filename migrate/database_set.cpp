#include "database_set.hpp"

#include "ksc/error.hpp"
#include "ksc/row_scan.hpp"

#include <algorithm>

namespace ksc::detail {

namespace {

// Which of the named databases WSO2 keeps the table in (shared_db for REG_/UM_, else
// apim_db or identity_db), or npos: names unknown (--db) or none of them declared.
size_t home_database(const MigrationSettings& s, const Target& t) {
    const auto& names = s.database_names;
    auto index_of = [&](std::string_view n) {
        const auto it = std::find(names.begin(), names.end(), n);
        return it == names.end() ? std::string::npos : static_cast<size_t>(it - names.begin());
    };
    if (lives_in_shared_db(t.table)) return index_of("shared_db");
    const size_t apim = index_of("apim_db");
    return apim != std::string::npos ? apim : index_of("identity_db");
}

}  // namespace

DatabaseSet::DatabaseSet(const MigrationSettings& s, Database::Mode mode) {
    if (s.databases.empty() && s.config_file.empty())
        fail_usage("nothing to work on: give --db (repeatable) and/or a product home with deployment.toml");
    for (const auto& a : s.databases) databases.push_back(open_database(a, mode, s.credentials));
    for (const Target& t : s.targets) {
        bool found = false;
        std::vector<std::string> first_missing;
        // With deployment.toml's names, a target is looked for only where WSO2 keeps it:
        // a table of the same name elsewhere is not the product's.
        const size_t home = home_database(s, t);
        for (size_t i = 0; i < databases.size(); ++i) {
            if (home != std::string::npos && i != home) continue;
            auto& db = databases[i];
            ScanPlan plan = plan_scan(*db, t);
            if (plan.problems.empty()) {
                placements.push_back({db.get(), &t, std::move(plan.stored)});
                found = true;
            } else if (plan.table_found) {
                // The table is here but not as the target says: that is always a problem.
                TargetReport r{db->name(), t, true, plan.problems, 0, {}, 0, {}, 0, 0};
                unscannable.push_back(std::move(r));
                found = true;
            } else if (first_missing.empty()) {
                first_missing = plan.problems;
            }
        }
        if (!found && !databases.empty()) {
            if (home != std::string::npos && !first_missing.empty())
                first_missing.front() += " in " + s.database_names[home] + " (" + databases[home]->name() + ")";
            TargetReport r{"", t, true, first_missing, 0, {}, 0, {}, 0, 0};
            unscannable.push_back(std::move(r));
        }
    }
}

}  // namespace ksc::detail
