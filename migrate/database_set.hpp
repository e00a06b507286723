// Internal: the databases of a job and where each target lives among them. A target
// whose table is in none of them is "missing" (a problem in plan, an error in run),
// and so is one whose table is there but cannot be scanned safely (plan_scan: a
// column, a `where` that does not compile, a NULL or non-unique key); a table present
// in one database and absent from another is simply not there.
#pragma once
#include "ksc/database.hpp"
#include "ksc/migration.hpp"

#include <memory>
#include <vector>

namespace ksc::detail {

struct Placement {
    Database* db;
    const Target* target;   // as given: names the journal entries and the report
    Target stored;          // as this database stores it: the SQL's names and key
    // The key's names for messages: as the target wrote them, else as stored (a
    // primary key found here, or SQLite's rowid).
    const Target& shown() const { return target->key.empty() ? stored : *target; }
};

struct DatabaseSet {
    std::vector<std::unique_ptr<Database>> databases;
    std::vector<Placement> placements;        // (database, target) pairs to scan, in target order
    std::vector<TargetReport> unscannable;    // found nowhere (database ""), or not scannable where found

    DatabaseSet(const MigrationSettings& s, Database::Mode mode);
};

}  // namespace ksc::detail
