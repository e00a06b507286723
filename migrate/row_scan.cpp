// Reading target rows by keyset pagination and writing values back with
// compare-and-set. Keyset (never OFFSET) keeps each batch O(batch) on big tables.
#include "ksc/row_scan.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace ksc {
namespace {

bool uses_rowid(const Target& t) { return t.key.empty(); }

// The key column expressions, quoted: ["\"K1\"", "\"K2\""] or ["rowid"].
std::vector<std::string> key_exprs(const Target& t) {
    if (uses_rowid(t)) return {"rowid"};
    std::vector<std::string> out;
    for (const auto& k : t.key) out.push_back(quote_identifier(k));
    return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

std::string where_clause(const Target& t, const std::string& extra) {
    std::vector<std::string> conds;
    if (!t.where.empty()) conds.push_back("(" + t.where + ")");
    if (!extra.empty()) conds.push_back(extra);
    return conds.empty() ? "" : " WHERE " + join(conds, " AND ");
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string unhex(const std::string& s) {
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        fail_input("row key: bad hex digit");
    };
    if (s.size() % 2) fail_input("row key: odd-length hex");
    std::string out;
    for (size_t i = 0; i < s.size(); i += 2) out += static_cast<char>(nibble(s[i]) * 16 + nibble(s[i + 1]));
    return out;
}

// The scan's SELECT (key columns, then the target column) with the target's `where`.
std::string select_sql(const Target& t, const std::string& extra) {
    return "SELECT " + join(key_exprs(t), ", ") + ", " + quote_identifier(t.column) + " FROM " +
           quote_identifier(t.table) + where_clause(t, extra);
}

// Why the scan's SELECT does not compile here, e.g. "where: no such column: IS_SECRET"
// (a `where` naming a column that only some product versions have); nullopt when it does.
std::optional<std::string> select_error(const Database& db, const Target& t) {
    const std::string sql = select_sql(t, "") + " LIMIT 0";
    sqlite3_stmt* s = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &s, &tail);
    sqlite3_finalize(s);
    const std::string what = t.where.empty() ? "cannot read the table: " : "where: ";
    if (rc != SQLITE_OK) {
        // A database another connection holds is not a problem of the target.
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) db.fail("preparing " + sql);
        return what + sqlite3_errmsg(db.handle());
    }
    for (; tail && *tail; ++tail)
        if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';')
            return what + "more than one SQL statement";
    return std::nullopt;
}

constexpr const char* key_advice =
    "give the table's primary key as `key`, or leave `key` out so rows are read by rowid";

// Keyset paging reads the page after the last key with `(key) > (last)`. A key value
// shared by rows on both sides of a page boundary loses the rows after the first, and
// a NULL part never compares greater, so both would leave rows unread (and, in a run,
// under the old key) without a word. Only rows the `where` selects are paged, so only
// they are checked. A pass over the table: cheap next to one RSA operation per value.
// True when the schema itself makes the key unique: it is the table's PRIMARY KEY or
// the columns of a UNIQUE index (same columns, any order). Then no GROUP BY pass over
// the table is needed (NULLs, which UNIQUE allows, are checked apart).
bool key_declared_unique(const Database& db, const Target& t) {
    auto same_columns = [&](const std::vector<std::string>& cols) {
        return cols.size() == t.key.size() &&
               std::all_of(t.key.begin(), t.key.end(), [&](const std::string& k) {
                   return std::any_of(cols.begin(), cols.end(), [&](const std::string& c) { return equals_ignore_case(c, k); });
               });
    };
    auto names = [&](const std::string& sql, const std::string& arg) {
        std::vector<std::string> out;
        auto s = db.prepare(sql);
        s.bind(1, arg);
        while (s.step()) {
            const SqlValue v = s.column(0);  // NULL for an index on an expression: never our key
            if (v.type != SqlValue::Type::null) out.push_back(v.bytes);
        }
        return out;
    };
    if (same_columns(names("SELECT name FROM pragma_table_info(?1) WHERE pk > 0", t.table))) return true;
    for (const auto& index : names("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1", t.table))
        if (same_columns(names("SELECT name FROM pragma_index_info(?1)", index))) return true;
    return false;
}

std::optional<std::string> key_problem(const Database& db, const Target& t) {
    if (uses_rowid(t)) return std::nullopt;  // unique and never NULL
    const auto keys = key_exprs(t);
    const std::string table = quote_identifier(t.table);
    const std::string key_text = "key (" + join(t.key, ", ") + ")";
    std::vector<std::string> nulls;
    for (const auto& k : keys) nulls.push_back(k + " IS NULL");
    auto s = db.prepare("SELECT 1 FROM " + table + where_clause(t, "(" + join(nulls, " OR ") + ")") + " LIMIT 1");
    if (s.step()) return key_text + " is NULL in some rows, which cannot be read in key order";
    if (key_declared_unique(db, t)) return std::nullopt;
    auto d = db.prepare("SELECT 1 FROM " + table + where_clause(t, "") + " GROUP BY " + join(keys, ", ") +
                        " HAVING count(*) > 1 LIMIT 1");
    if (d.step()) return key_text + " is not unique (rows share a value), so rows could be skipped";
    return std::nullopt;
}

}  // namespace

std::vector<std::string> missing_parts(const Database& db, const Target& t) {
    if (!db.table_exists(t.table)) return {"table " + t.table + " does not exist"};
    const auto cols = db.columns(t.table);
    auto has = [&](const std::string& c) {
        return std::any_of(cols.begin(), cols.end(), [&](const std::string& x) { return equals_ignore_case(x, c); });
    };
    std::vector<std::string> out;
    if (!has(t.column)) out.push_back("column " + t.name() + " does not exist");
    for (const auto& k : t.key)
        if (!has(k)) out.push_back("key column " + t.table + "." + k + " does not exist");
    if (uses_rowid(t)) {
        // A WITHOUT ROWID table has no rowid to page by: the targets entry must give its key.
        sqlite3_stmt* s = nullptr;
        const std::string sql = "SELECT rowid FROM " + quote_identifier(t.table) + " LIMIT 0";
        const bool ok = sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &s, nullptr) == SQLITE_OK;
        sqlite3_finalize(s);
        if (!ok) out.push_back("table " + t.table + " has no rowid: give its primary key as `key`");
    }
    // The checks below run SQL that would only fail again on the names reported above.
    if (!out.empty()) return out;
    if (auto e = select_error(db, t)) return {*e};
    if (auto e = key_problem(db, t)) return {*e + ": " + key_advice};
    return {};
}

RowScanner::RowScanner(const Database& db, const Target& t, size_t batch_size)
    : db_(db), target_(t), batch_size_(std::max<size_t>(batch_size, 1)) {
    const auto keys = key_exprs(t);
    const std::string order = " ORDER BY " + join(keys, ", ") + " LIMIT " + std::to_string(batch_size_);
    std::string after;
    if (uses_rowid(t)) {
        after = "rowid > ?1";
    } else {
        // Row values ((k1,k2) > (?1,?2)) compare like ORDER BY k1,k2 does.
        std::vector<std::string> params;
        for (size_t i = 1; i <= keys.size(); ++i) params.push_back(std::string("?").append(std::to_string(i)));
        after = "(" + join(keys, ", ") + ") > (" + join(params, ", ") + ")";
    }
    first_.emplace(db.prepare(select_sql(t, "") + order));
    next_.emplace(db.prepare(select_sql(t, after) + order));

    // Callers report this through missing_parts first; checked again here so that no
    // scanner ever pages over a key that would make it skip rows without a word.
    if (auto p = key_problem(db, t))
        fail_input(db.file().string() + ": " + t.name() + ": " + *p, key_advice);
}

bool RowScanner::next_batch(std::vector<Row>& out) {
    out.clear();
    if (done_) return false;
    Statement& s = last_key_ ? *next_ : *first_;
    if (last_key_)
        for (size_t i = 0; i < last_key_->size(); ++i) s.bind(static_cast<int>(i + 1), (*last_key_)[i]);
    const int n_keys = static_cast<int>(uses_rowid(target_) ? 1 : target_.key.size());
    try {
        while (out.size() < batch_size_ && s.step()) {
            Row r;
            for (int i = 0; i < n_keys; ++i) r.key.push_back(s.column(i));
            r.value = s.column(n_keys);
            // Equal neighbours mean the key is not unique: paging would lose rows.
            if (!out.empty() && out.back().key == r.key)
                fail_input(db_.file().string() + ": key (" + join(target_.key, ", ") + ") of table " +
                           target_.table + " is not unique");
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
    auto s = db_.prepare("SELECT count(*) FROM " + quote_identifier(target_.table) + where_clause(target_, ""));
    s.step();
    return s.column(0).i;
}

bool compare_and_set(Database& db, const Target& t, const std::vector<SqlValue>& key, const SqlValue& old_value,
                     const SqlValue& new_value) {
    const auto keys = key_exprs(t);
    if (key.size() != keys.size())
        fail_input(db.file().string() + ": " + t.name() + ": row key has " + std::to_string(key.size()) +
                   " parts, the target has " + std::to_string(keys.size()));
    const std::string col = quote_identifier(t.column);
    std::string sql = "UPDATE " + quote_identifier(t.table) + " SET " + col + " = ?1 WHERE ";
    int p = 2;
    for (const auto& k : keys) sql += k + " = ?" + std::to_string(p++) + " AND ";
    sql += col + " IS ?" + std::to_string(p);
    auto s = db.cached(sql);
    s->bind(1, new_value);
    p = 2;
    for (const auto& v : key) s->bind(p++, v);
    s->bind(p, old_value);
    s->step();
    const int64_t n = db.changes();
    if (n > 1)
        fail_input(db.file().string() + ": " + t.name() + ": the key matched " + std::to_string(n) +
                   " rows; it is not unique");
    return n == 1;
}

std::string encode_row_key(const std::vector<SqlValue>& key) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& v : key) {
        switch (v.type) {
            case SqlValue::Type::null: a.push_back(nullptr); break;
            case SqlValue::Type::integer: a.push_back({{"i", v.i}}); break;
            case SqlValue::Type::real: a.push_back({{"r", v.d}}); break;
            case SqlValue::Type::blob: a.push_back({{"b", hex(v.bytes)}}); break;
            case SqlValue::Type::text: {
                // TEXT that is not valid UTF-8 cannot be a JSON string: keep its bytes as hex.
                nlohmann::json s = v.bytes;
                try {
                    (void)s.dump();
                    a.push_back({{"t", v.bytes}});
                } catch (const nlohmann::json::type_error&) {
                    a.push_back({{"th", hex(v.bytes)}});
                }
                break;
            }
        }
    }
    return a.dump();
}

std::vector<SqlValue> decode_row_key(std::string_view text) {
    nlohmann::json a;
    try {
        a = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
        fail_input("row key is not valid JSON");
    }
    if (!a.is_array()) fail_input("row key is not a JSON array");
    std::vector<SqlValue> out;
    for (const auto& e : a) {
        if (e.is_null()) {
            out.emplace_back();
            continue;
        }
        if (!e.is_object() || e.size() != 1) fail_input("row key part is not a typed value");
        const auto it = e.begin();
        const std::string& tag = it.key();
        const nlohmann::json& v = it.value();
        SqlValue x;
        if (tag == "i" && v.is_number_integer()) {
            x = SqlValue::integer(v.get<int64_t>());
        } else if (tag == "r" && v.is_number()) {
            x.type = SqlValue::Type::real;
            x.d = v.get<double>();
        } else if (tag == "t" && v.is_string()) {
            x = SqlValue::text(v.get<std::string>());
        } else if (tag == "th" && v.is_string()) {
            x = SqlValue::text(unhex(v.get<std::string>()));
        } else if (tag == "b" && v.is_string()) {
            x = SqlValue::blob(unhex(v.get<std::string>()));
        } else {
            fail_input("row key part has an unknown type tag");
        }
        out.push_back(std::move(x));
    }
    return out;
}

}  // namespace ksc
