// Writing values back only where they are still what was read: a value the product
// changed meanwhile is never overwritten. A batch of rows costs a constant number of
// statements (lock and re-read, one UPDATE), not a few per row.
#pragma once
#include "ksc/database.hpp"
#include "ksc/targets.hpp"

#include <vector>

namespace ksc {

struct RowChange {
    std::vector<SqlValue> key;   // as the scanner read it
    SqlValue expected;           // the value the row must still hold
    SqlValue replacement;        // what it gets (same storage class)
};

// Inside the caller's write transaction: locks the rows (SELECT ... FOR UPDATE where the
// backend has it; SQLite's write transaction already excludes other writers), re-reads
// them, and changes each row that still holds `expected`. Returns, per change, whether it
// was made. A key that matches more than one row is ErrorKind::input (the caller's
// transaction rolls back), except for a target keyed by its value, where every row
// holding the value is changed. `t` is the stored target (plan_scan).
std::vector<bool> compare_and_set(Database& db, const Target& t, const std::vector<RowChange>& changes);

}  // namespace ksc
