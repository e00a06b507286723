// Internal: the databases of a job and where each target lives among them. A target
// whose table is in none of them is "missing" (a problem in plan, an error in run);
// a table present in one database and absent from another is simply not there.
#pragma once
#include "ksc/migration.hpp"
#include "ksc/sqlite_db.hpp"

#include <memory>
#include <vector>

namespace ksc::detail {

struct Placement {
    Database* db;
    const Target* target;
};

struct DatabaseSet {
    std::vector<std::unique_ptr<Database>> databases;
    std::vector<Placement> placements;        // (database, target) pairs to scan, in target order
    std::vector<TargetReport> missing;        // targets found nowhere (or with missing columns)

    DatabaseSet(const MigrationSettings& s, Database::Mode mode);
};

}  // namespace ksc::detail
