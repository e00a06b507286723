// Reading target rows in batches by keyset pagination (never OFFSET). Memory stays
// bounded by the batch size.
#pragma once
#include "ksc/database.hpp"
#include "ksc/targets.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ksc {

struct Row {
    std::vector<SqlValue> key;   // the key columns in order, or {row id}
    SqlValue value;              // the target column, storage class kept
};

// A target as one database holds it.
struct ScanPlan {
    // The names as this database stores them (PostgreSQL folds unquoted names to lower
    // case), and the key rows are read by: the target's `key`; else, empty, meaning the
    // backend's row id (SQLite's rowid); else the table's primary key.
    Target stored;
    // Why the target cannot be read safely here, each a line for the report: "table X
    // does not exist", "column X.Y does not exist", "key column ...", "where: no such
    // column: C" (the SELECT does not compile), a key that is NULL or not unique in the
    // rows the `where` selects (paging would skip rows), a table with no key at all.
    // Empty when the target can be scanned.
    std::vector<std::string> problems;
    bool table_found = false;
};
ScanPlan plan_scan(const Database& db, const Target& t);
// plan_scan(db, t).problems.
std::vector<std::string> scan_problems(const Database& db, const Target& t);

class RowScanner {
public:
    // `t` as plan_scan stored it (on SQLite, where names are case-insensitive, the
    // target as written works too). Errors (ErrorKind::input): the `where` does not
    // compile, or rows matching it have a NULL or non-unique key.
    RowScanner(const Database& db, const Target& t, size_t batch_size);
    // The next batch in key order (rows with the target's `where`); false when none are left.
    bool next_batch(std::vector<Row>& out);
    int64_t count_rows() const;   // rows matching `where` (for progress and ETA)

private:
    const Database& db_;
    Target target_;
    size_t batch_size_;
    size_t n_keys_;
    std::optional<std::vector<SqlValue>> last_key_;
    // Prepared once: the first batch has no key condition, the others start after last_key_.
    std::unique_ptr<Statement> first_, next_;
    bool done_ = false;
};

namespace detail {
// The SQL pieces the scanner and compare-and-set share.
std::vector<std::string> key_exprs(const Database& db, const Target& t);   // quoted key columns, or {row id}
std::string join(const std::vector<std::string>& parts, const std::string& sep);
std::string parenthesized(const std::string& s);   // "(s)"
}  // namespace detail

}  // namespace ksc
