// Reading target rows in batches by keyset pagination (never OFFSET) and writing
// a value back with compare-and-set. Memory stays bounded by the batch size.
#pragma once
#include "ksc/sqlite_db.hpp"
#include "ksc/targets.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ksc {

struct Row {
    std::vector<SqlValue> key;   // the target's key columns in order, or {rowid}
    SqlValue value;              // the target column, storage class kept
};

// Why a target cannot be read safely in this database, each a line for the report:
// "table X does not exist", "column X.Y does not exist", "key column ...",
// "where: no such column: C" (the target's SELECT does not compile), or a `key` that
// is NULL or not unique in rows the `where` selects (paging would skip rows).
// Empty when the target can be scanned. Busy/locked is ErrorKind::refused.
std::vector<std::string> missing_parts(const Database& db, const Target& t);

class RowScanner {
public:
    // Errors (ErrorKind::input): the `where` does not compile, or rows matching it have a
    // NULL or non-unique key (keyset pagination would silently skip rows); missing_parts
    // reports the same as a problem first.
    RowScanner(const Database& db, const Target& t, size_t batch_size);
    // The next batch in key order (rows with the target's `where`); false when none are left.
    bool next_batch(std::vector<Row>& out);
    int64_t count_rows() const;   // rows matching `where` (for progress and ETA)

private:
    const Database& db_;
    Target target_;
    size_t batch_size_;
    std::optional<std::vector<SqlValue>> last_key_;
    // Prepared once: the first batch has no key condition, the others start after last_key_.
    std::optional<Statement> first_, next_;
    bool done_ = false;
};

// UPDATE <table> SET <column> = new WHERE <key> = row.key AND <column> = old (bound with
// old's storage class; `IS`, so a NULL old value matches NULL). True when exactly one row
// changed; more than one (a key that is not unique) is ErrorKind::input, so the caller's
// transaction rolls back.
bool compare_and_set(Database& db, const Target& t, const std::vector<SqlValue>& key,
                     const SqlValue& old_value, const SqlValue& new_value);

// Key values as text for the journal and reports: a JSON array that keeps types
// (blobs as hex) and decodes back to the same SqlValues.
std::string encode_row_key(const std::vector<SqlValue>& key);
std::vector<SqlValue> decode_row_key(std::string_view text);

}  // namespace ksc
