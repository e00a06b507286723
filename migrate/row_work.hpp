// Internal: one database row on its way through classification and re-encryption.
// A "value" target has one value per row; a "json-encrypted-values" target has as
// many as the document embeds (zero is fine), and the counts are of values.
#pragma once
#include "ksc/migration.hpp"
#include "ksc/row_scan.hpp"
#include "parallel_migrators.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ksc::detail {

struct RowWork {
    Row row;
    std::string row_key;                        // encode_row_key(row.key), made once (run)
    std::vector<std::string> values;            // the ciphertext strings to classify
    std::vector<Classification> results;        // one per value
    std::vector<std::string> new_values;        // run: one per value ("" when unchanged)
    std::optional<ValueState> fixed_state;      // decided without crypto: empty, not_encrypted
    std::string fixed_reason;
    bool done_before = false;                   // this run's journal already rewrote the row
};

RowWork make_row_work(Row row, const Target& t);

// Classifies every value of the batch on the migrators' threads; with `reencrypt`, source values
// also get their new ciphertext (in the same worker, while the plaintext is at hand;
// the plaintext is wiped right after).
void classify_batch(std::vector<RowWork>& batch, ParallelMigrators& migrators, ClassifyMode mode, bool reencrypt);

// Adds the row's values to the counts; rows already rewritten count as target.
void count_row(const RowWork& w, StateCounts& counts);

// The row's new column value (same storage class), or nullopt when nothing changes.
std::optional<SqlValue> rewritten_value(const RowWork& w, const Target& t);

// Where a row is, value-free, as its key columns read: "ID=8", "TENANT_ID=-1234, USER_NAME=alice",
// "rowid=5" for a table without a key.
std::string describe_row(const RowWork& w, const Target& t);

}  // namespace ksc::detail
