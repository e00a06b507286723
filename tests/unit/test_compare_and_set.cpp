// The conflict path of compare_and_set: the product (a second connection to the same
// SQLite file) changes values after the migration scanned them and before it writes.
// Such a value must not be overwritten, and compare_and_set must say so (false), while
// the rows nobody touched are written in the same transaction.
#include "ksc/compare_and_set.hpp"
#include "ksc/row_scan.hpp"
#include "ksc/database.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ksc;
using ksc::test::ScratchDir;
using ksc::test::cas_one;

namespace {

std::vector<Row> scan(const Database& db, const Target& t) {
    RowScanner scanner(db, t, 2);  // several batches
    std::vector<Row> all, batch;
    while (scanner.next_batch(batch)) all.insert(all.end(), batch.begin(), batch.end());
    return all;
}

// The committed table as a third connection sees it: "<key>=<typeof>:<value> ...",
// in key order (sql selects key, typeof(value), value).
std::string committed(const std::filesystem::path& file, const std::string& sql) {
    const auto db = ksc::test::open_sqlite(file, Database::Mode::read_only);
    auto s = db->prepare(sql + " ORDER BY 1");
    std::string out;
    while (s->step()) {
        const SqlValue key = s->column(0);
        out += (out.empty() ? "" : " ") + (key.type == SqlValue::Type::integer ? std::to_string(key.i) : key.bytes) +
               "=" + s->column(1).bytes + ":" + s->column(2).bytes;
    }
    return out;
}

}  // namespace

TEST_CASE("compare_and_set: a value the product changed between scan and write is kept and reported") {
    ScratchDir dir;
    const auto file = dir / "product.db";
    ksc::test::write(file, "");
    auto tool_owner = ksc::test::open_sqlite(file, Database::Mode::read_write);
    Database& tool = *tool_owner;
    tool.exec(R"(
        CREATE TABLE IDN_OAUTH_CONSUMER_APPS(CONSUMER_KEY VARCHAR(255) PRIMARY KEY, CONSUMER_SECRET VARCHAR(2048));
        INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES
          ('app1', 'old1'), ('app2', 'old2'), ('app3', 'old3'), ('app4', 'old4'), ('app5', 'old5'), ('app6', 'old6');)");
    const Target t{"IDN_OAUTH_CONSUMER_APPS", "CONSUMER_SECRET", {"CONSUMER_KEY"}, "", TargetKind::value};

    const std::vector<Row> rows = scan(tool, t);
    REQUIRE(rows.size() == 6);

    // The product, on its own connection, after the scan: a new secret, a deleted app,
    // the same bytes as a BLOB, a NULL, and a value changed and changed back (ABA: equal
    // to what was scanned, so it is not a conflict).
    {
        auto product_owner = ksc::test::open_sqlite(file, Database::Mode::read_write);
        Database& product = *product_owner;
        product.exec(R"(
            UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = 'rotated-by-product' WHERE CONSUMER_KEY = 'app2';
            DELETE FROM IDN_OAUTH_CONSUMER_APPS WHERE CONSUMER_KEY = 'app3';
            UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = CAST('old4' AS BLOB) WHERE CONSUMER_KEY = 'app4';
            UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = NULL WHERE CONSUMER_KEY = 'app5';
            UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = 'x' WHERE CONSUMER_KEY = 'app6';
            UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = 'old6' WHERE CONSUMER_KEY = 'app6';)");
    }

    std::string written;  // "<key>=<compare_and_set's answer> ...": the whole batch in one call
    {
        Transaction tx(tool);
        std::vector<RowChange> changes;
        for (const auto& r : rows) changes.push_back({r.key, r.value, SqlValue::text("new-" + r.value.bytes)});
        const std::vector<bool> set = compare_and_set(tool, t, changes);
        REQUIRE(set.size() == rows.size());
        for (size_t i = 0; i < rows.size(); ++i)
            written += (written.empty() ? "" : " ") + rows[i].key.at(0).bytes + "=" + (set[i] ? "set" : "conflict");
        tx.commit();
    }
    CHECK(written == "app1=set app2=conflict app3=conflict app4=conflict app5=conflict app6=set");

    const std::string sql = "SELECT CONSUMER_KEY, typeof(CONSUMER_SECRET), CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS";
    CHECK(committed(file, sql) ==
          "app1=text:new-old1 app2=text:rotated-by-product app4=blob:old4 app5=null: app6=text:new-old6");

    // A second pass sees the product's values as they are now, and those writes go through.
    Transaction tx(tool);
    CHECK(cas_one(tool, t, {SqlValue::text("app2")}, SqlValue::text("rotated-by-product"),
                          SqlValue::text("new-rotated")));
    CHECK(cas_one(tool, t, {SqlValue::text("app5")}, SqlValue{}, SqlValue::text("new-null")));
    CHECK_FALSE(cas_one(tool, t, {SqlValue::text("app3")}, SqlValue::text("old3"), SqlValue::text("x")));
    tx.commit();
    CHECK(committed(file, sql) ==
          "app1=text:new-old1 app2=text:new-rotated app4=blob:old4 app5=text:new-null app6=text:new-old6");
}

TEST_CASE("compare_and_set: a rowid table whose value the product changed between scan and write") {
    ScratchDir dir;
    const auto file = dir / "product.db";
    ksc::test::write(file, "");
    auto tool_owner = ksc::test::open_sqlite(file, Database::Mode::read_write);
    Database& tool = *tool_owner;
    tool.exec(R"(
        CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN_AUDIT(ACCESS_TOKEN VARCHAR(2048));
        INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_AUDIT VALUES ('t1'), ('t2'), ('t3');)");
    const Target t{"IDN_OAUTH2_ACCESS_TOKEN_AUDIT", "ACCESS_TOKEN", {}, "", TargetKind::value};
    const std::vector<Row> rows = scan(tool, t);
    REQUIRE(rows.size() == 3);

    ksc::test::open_sqlite(file, Database::Mode::read_write)
        ->exec("UPDATE IDN_OAUTH2_ACCESS_TOKEN_AUDIT SET ACCESS_TOKEN = 'product' WHERE rowid = 2");  // the product

    std::string written;
    {
        Transaction tx(tool);
        for (const auto& r : rows)
            written += cas_one(tool, t, r.key, r.value, SqlValue::text("new")) ? "set " : "conflict ";
        tx.commit();
    }
    CHECK(written == "set conflict set ");
    CHECK(committed(file, "SELECT rowid, typeof(ACCESS_TOKEN), ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN_AUDIT") ==
          "1=text:new 2=text:product 3=text:new");
}
