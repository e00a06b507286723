// Compare-and-set for a batch of rows in two statements per chunk: lock and re-read
// the rows, then one UPDATE with a CASE for the rows that still hold what was read.
// The same SQL on every backend; a remote database pays two round trips per chunk.
#include "ksc/compare_and_set.hpp"

#include "ksc/error.hpp"
#include "ksc/row_key.hpp"
#include "ksc/row_scan.hpp"

#include <algorithm>
#include <map>

namespace ksc {
namespace {

// Rows per statement: a few hundred parameters stay well inside every backend's limit.
constexpr size_t chunk_rows = 200;

// "k1 = ? AND k2 = ?" for one row.
std::string row_match(const std::vector<std::string>& keys) {
    std::vector<std::string> parts;
    for (const auto& k : keys) parts.push_back(k + " = ?");
    return detail::join(parts, " AND ");
}

// The rows [first, last) as one condition: "k IN (?, ?)" or "(k1 = ? AND k2 = ?) OR (...)".
std::string rows_match(const std::vector<std::string>& keys, size_t n) {
    if (keys.size() == 1) return keys[0] + " IN " + detail::parenthesized(detail::join(std::vector<std::string>(n, "?"), ", "));
    return detail::join(std::vector<std::string>(n, detail::parenthesized(row_match(keys))), " OR ");
}

}  // namespace

std::vector<bool> compare_and_set(Database& db, const Target& t, const std::vector<RowChange>& changes) {
    std::vector<bool> done(changes.size(), false);
    const auto keys = detail::key_exprs(db, t);
    const std::string table = db.quote(t.table);
    const std::string col = db.quote(t.column);
    for (const auto& c : changes)
        if (c.key.size() != keys.size())
            fail_input(db.name() + ": " + t.name() + ": row key has " + std::to_string(c.key.size()) +
                       " parts, the target has " + std::to_string(keys.size()));

    for (size_t first = 0; first < changes.size(); first += chunk_rows) {
        const size_t last = std::min(changes.size(), first + chunk_rows);

        // 1. Lock the rows and read what they hold now.
        auto read = db.prepare("SELECT " + detail::join(keys, ", ") + ", " + col + " FROM " + table + " WHERE " +
                               rows_match(keys, last - first) + db.dialect().lock_rows);
        int p = 1;
        for (size_t i = first; i < last; ++i)
            for (const auto& k : changes[i].key) read->bind(p++, k);
        std::map<std::string, SqlValue> now;
        while (read->step()) {
            std::vector<SqlValue> key;
            for (size_t k = 0; k < keys.size(); ++k) key.push_back(read->column(static_cast<int>(k)));
            // Rows found by their value share it: one value, changed in all of them.
            if (!now.emplace(encode_row_key(key), read->column(static_cast<int>(keys.size()))).second &&
                !t.keyed_by_value())
                fail_input(db.name() + ": " + t.name() + ": the key matched more than one row; it is not unique");
        }

        // 2. Change the rows that still hold what was read.
        std::vector<size_t> changing;
        for (size_t i = first; i < last; ++i) {
            const auto it = now.find(encode_row_key(changes[i].key));
            if (it != now.end() && it->second == changes[i].expected) changing.push_back(i);
        }
        if (changing.empty()) continue;
        std::string cases;
        for (size_t n = 0; n < changing.size(); ++n) cases += " WHEN " + row_match(keys) + " THEN ?";
        auto update = db.prepare("UPDATE " + table + " SET " + col + " = CASE" + cases + " ELSE " + col + " END WHERE " +
                                 rows_match(keys, changing.size()));
        p = 1;
        for (size_t i : changing) {
            for (const auto& k : changes[i].key) update->bind(p++, k);
            update->bind(p++, changes[i].replacement);
        }
        for (size_t i : changing)
            for (const auto& k : changes[i].key) update->bind(p++, k);
        update->step();
        // The rows are locked: anything but one row per change means the key is not what
        // it was read as, and the caller's transaction must roll back.
        const auto n = static_cast<int64_t>(changing.size());
        if (t.keyed_by_value() ? update->changes() < n : update->changes() != n)
            fail_input(db.name() + ": " + t.name() + ": the UPDATE changed " + std::to_string(update->changes()) +
                       " rows instead of " + std::to_string(changing.size()) + "; the key is not unique");
        for (size_t i : changing) done[i] = true;
    }
    return done;
}

}  // namespace ksc
