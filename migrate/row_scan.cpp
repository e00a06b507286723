// Reading target rows by keyset pagination. Keyset (never OFFSET) keeps each batch
// O(batch) on big tables, and rows written behind the scan position are not read again.
#include "ksc/row_scan.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <algorithm>

namespace ksc {

namespace detail {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

std::vector<std::string> key_exprs(const Database& db, const Target& t) {
    if (t.key.empty()) {
        const auto id = db.row_id(t.table);
        if (!id) fail_input(db.name() + ": table " + t.table + " has no key to read it by");
        return {*id};
    }
    // A value used as its own key is compared byte by byte (row_scan.hpp).
    if (t.keyed_by_value()) return {db.bytewise(db.quote(t.column))};
    std::vector<std::string> out;
    for (const auto& k : t.key) out.push_back(db.quote(k));
    return out;
}

std::string parenthesized(const std::string& s) {
    // append, not "(" + s + ")": GCC 12 warns falsely (-Wrestrict) on that once inlined.
    std::string out;
    out.reserve(s.size() + 2);
    return out.append("(").append(s).append(")");
}

}  // namespace detail

namespace {

using detail::join;

std::string where_clause(const Target& t, const std::string& extra) {
    std::vector<std::string> conds;
    if (!t.where.empty()) conds.push_back("(" + t.where + ")");
    if (!extra.empty()) conds.push_back(extra);
    return conds.empty() ? "" : " WHERE " + join(conds, " AND ");
}

// The scan's SELECT (key columns, then the target column) with the target's `where`.
// A table read by its values reads each distinct value once: rows holding the same
// ciphertext are changed together.
std::string select_sql(const Database& db, const Target& t, const std::string& extra) {
    return std::string(t.keyed_by_value() ? "SELECT DISTINCT " : "SELECT ") + join(detail::key_exprs(db, t), ", ") +
           ", " + db.quote(t.column) + " FROM " + db.quote(t.table) + where_clause(t, extra);
}

constexpr const char* key_advice =
    "give the table's primary key (or unique, never-NULL columns) as `key`, or leave `key` out so rows are read "
    "by the primary key (SQLite: by rowid)";

// Keyset paging reads the page after the last key with `(key) > (last)`. A key value
// shared by rows on both sides of a page boundary loses the rows after the first, and
// a NULL part never compares greater, so both would leave rows unread (and, in a run,
// under the old key) without a word. Only rows the `where` selects are paged, so only
// they are checked. A key the schema declares unique (primary key, UNIQUE index) needs
// no pass over the table; NULLs, which UNIQUE allows, are checked apart.
std::optional<std::string> key_problem(const Database& db, const Target& t) {
    if (t.key.empty()) return std::nullopt;  // the row id: unique and never NULL
    if (t.keyed_by_value()) return std::nullopt;  // distinct values, NULLs left out (plan_scan)
    const auto keys = detail::key_exprs(db, t);
    const std::string table = db.quote(t.table);
    const std::string key_text = "key (" + join(t.key, ", ") + ")";
    std::vector<std::string> nulls;
    for (const auto& k : keys) nulls.push_back(k + " IS NULL");
    auto s = db.prepare("SELECT 1 FROM " + table + where_clause(t, detail::parenthesized(join(nulls, " OR "))) + " LIMIT 1");
    if (s->step()) return key_text + " is NULL in some rows, which cannot be read in key order";
    if (db.declared_unique(t.table, t.key)) return std::nullopt;
    auto d = db.prepare("SELECT 1 FROM " + table + where_clause(t, "") + " GROUP BY " + join(keys, ", ") +
                        " HAVING count(*) > 1 LIMIT 1");
    if (d->step()) return key_text + " is not unique (rows share a value), so rows could be skipped";
    return std::nullopt;
}

// `name` as `stored` spells it (SQL compares unquoted names case-insensitively).
std::optional<std::string> find_name(const std::vector<std::string>& stored, const std::string& name) {
    for (const auto& s : stored)
        if (s == name) return s;
    for (const auto& s : stored)
        if (equals_ignore_case(s, name)) return s;
    return std::nullopt;
}

}  // namespace

ScanPlan plan_scan(const Database& db, const Target& t) {
    ScanPlan p{t, {}, false};
    const auto table = db.stored_table(t.table);
    if (!table) {
        p.problems.push_back("table " + t.table + " does not exist");
        return p;
    }
    p.table_found = true;
    p.stored.table = *table;
    const auto cols = db.columns(*table);
    if (auto c = find_name(cols, t.column)) p.stored.column = *c;
    else p.problems.push_back("column " + t.name() + " does not exist");
    for (auto& k : p.stored.key) {
        if (auto c = find_name(cols, k)) k = *c;
        else p.problems.push_back("key column " + t.table + "." + k + " does not exist");
    }
    if (t.key.empty() && !db.row_id(*table) && p.problems.empty()) {
        p.stored.key = db.primary_key(*table);
        if (p.stored.key.empty()) {
            // No key at all (API-M 4.0/4.1's token audit table): the value is the key.
            // Rows with one ciphertext are one value to re-encrypt; a new ciphertext is
            // random, so it never takes another row's value; NULLs hold nothing to migrate.
            p.stored.key = {p.stored.column};
            const std::string not_null = db.quote(p.stored.column) + " IS NOT NULL";
            p.stored.where = t.where.empty() ? not_null : detail::parenthesized(t.where).append(" AND ").append(not_null);
        }
    }
    // The checks below run SQL that would only fail again on the names reported above.
    if (!p.problems.empty()) return p;
    const std::string what = t.where.empty() ? "cannot read the table: " : "where: ";
    if (auto e = db.query_error(select_sql(db, p.stored, "") + " LIMIT 0")) {
        p.problems.push_back(what + *e);
        return p;
    }
    if (auto e = key_problem(db, p.stored)) p.problems.push_back(*e + ": " + key_advice);
    return p;
}

std::vector<std::string> scan_problems(const Database& db, const Target& t) { return plan_scan(db, t).problems; }

RowScanner::RowScanner(const Database& db, const Target& t, size_t batch_size)
    : db_(db), target_(t), batch_size_(std::max<size_t>(batch_size, 1)) {
    const auto keys = detail::key_exprs(db, t);
    n_keys_ = keys.size();
    const std::string order = " ORDER BY " + join(keys, ", ") + " LIMIT " + std::to_string(batch_size_);
    // Row values ((k1,k2) > (?,?)) compare like ORDER BY k1,k2 does, on every backend.
    std::vector<std::string> params(keys.size(), "?");
    const std::string after = detail::parenthesized(join(keys, ", ")) + " > " + detail::parenthesized(join(params, ", "));
    first_ = db.prepare(select_sql(db, t, "") + order);
    next_ = db.prepare(select_sql(db, t, after) + order);

    // Callers report this through plan_scan first; checked again here so that no
    // scanner ever pages over a key that would make it skip rows without a word.
    if (auto p = key_problem(db, t)) fail_input(db.name() + ": " + t.name() + ": " + *p, key_advice);
}

bool RowScanner::next_batch(std::vector<Row>& out) {
    out.clear();
    if (done_) return false;
    Statement& s = last_key_ ? *next_ : *first_;
    if (last_key_)
        for (size_t i = 0; i < last_key_->size(); ++i) s.bind(static_cast<int>(i + 1), (*last_key_)[i]);
    const int n_keys = static_cast<int>(n_keys_);
    try {
        while (out.size() < batch_size_ && s.step()) {
            Row r;
            for (int i = 0; i < n_keys; ++i) r.key.push_back(s.column(i));
            r.value = s.column(n_keys);
            // Equal neighbours mean the key is not unique: paging would lose rows.
            if (!out.empty() && out.back().key == r.key)
                fail_input(db_.name() + ": key (" + join(target_.key, ", ") + ") of table " + target_.table +
                           " is not unique");
            out.push_back(std::move(r));
        }
    } catch (...) {
        s.reset();
        throw;
    }
    s.reset();
    if (out.size() < batch_size_) done_ = true;  // a short batch is the last one
    if (out.empty()) return false;
    last_key_ = out.back().key;
    return true;
}

int64_t RowScanner::count_rows() const {
    auto s = db_.prepare("SELECT count(*) FROM " + db_.quote(target_.table) + where_clause(target_, ""));
    s->step();
    return s->column(0).i;
}

}  // namespace ksc
