// Keyset scanning (every row exactly once, in order, for rowid and composite keys),
// compare-and-set that keeps storage classes, row-key encoding, missing parts.
#include "ksc/error.hpp"
#include "ksc/migration.hpp"
#include "ksc/row_key.hpp"
#include "ksc/row_scan.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>

using namespace ksc;
using ksc::test::ScratchDir;
using ksc::test::cas_one;

namespace {

std::unique_ptr<Database> make_db(const ScratchDir& dir, const std::string& sql) {
    const auto p = dir / "scan.db";
    ksc::test::write(p, "");
    auto db = ksc::test::open_sqlite(p, Database::Mode::read_write);
    db->exec(sql);
    return db;
}

// Every row through the scanner, checking batch sizes on the way.
std::vector<Row> scan_all(const Database& db, const Target& t, size_t batch) {
    RowScanner scanner(db, t, batch);
    std::vector<Row> all, chunk;
    while (scanner.next_batch(chunk)) {
        CHECK(chunk.size() <= batch);
        CHECK_FALSE(chunk.empty());
        all.insert(all.end(), chunk.begin(), chunk.end());
    }
    CHECK_FALSE(scanner.next_batch(chunk));  // stays finished
    return all;
}

// The same rows in one plain query, for comparison.
std::vector<Row> query_all(const Database& db, const std::string& sql, int n_keys) {
    auto s = db.prepare(sql);
    std::vector<Row> out;
    while (s->step()) {
        Row r;
        for (int i = 0; i < n_keys; ++i) r.key.push_back(s->column(i));
        r.value = s->column(n_keys);
        out.push_back(std::move(r));
    }
    return out;
}

bool same_rows(const std::vector<Row>& a, const std::vector<Row>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].key != b[i].key || !(a[i].value == b[i].value)) return false;
    return true;
}

std::string typeof_value(const Database& db, const std::string& sql) {
    auto s = db.prepare(sql);
    REQUIRE(s->step());
    return s->column(0).bytes;
}

}  // namespace

TEST_CASE("row_scan: 10,000 rows with a composite key and a filter, batches of 7 and 500") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE IDN_IDENTITY_USER_DATA(TENANT_ID INTEGER, USER_NAME VARCHAR(255), DATA_KEY VARCHAR(255),
                                            DATA_VALUE VARCHAR(2048), PRIMARY KEY (TENANT_ID, USER_NAME, DATA_KEY));
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
        INSERT INTO IDN_IDENTITY_USER_DATA
          SELECT (i % 7) - 3, 'user' || (i % 113), 'key' || i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || i END
          FROM n;)");
    Target t{"IDN_IDENTITY_USER_DATA", "DATA_VALUE", {"TENANT_ID", "USER_NAME", "DATA_KEY"}, "", TargetKind::value};
    const auto expected = query_all(*db,
                                    "SELECT TENANT_ID, USER_NAME, DATA_KEY, DATA_VALUE FROM IDN_IDENTITY_USER_DATA "
                                    "ORDER BY TENANT_ID, USER_NAME, DATA_KEY",
                                    3);
    REQUIRE(expected.size() == 10000);
    for (size_t batch : {size_t{7}, size_t{500}, size_t{10000}, size_t{20000}}) {
        CAPTURE(batch);
        CHECK(same_rows(scan_all(*db, t, batch), expected));
    }
    CHECK(RowScanner(*db, t, 10).count_rows() == 10000);

    t.where = "DATA_KEY LIKE 'key1%'";
    const auto filtered = query_all(*db,
                                    "SELECT TENANT_ID, USER_NAME, DATA_KEY, DATA_VALUE FROM IDN_IDENTITY_USER_DATA "
                                    "WHERE DATA_KEY LIKE 'key1%' ORDER BY TENANT_ID, USER_NAME, DATA_KEY",
                                    3);
    REQUIRE(filtered.size() == 1111);
    CHECK(same_rows(scan_all(*db, t, 7), filtered));
    CHECK(RowScanner(*db, t, 7).count_rows() == 1111);
}

TEST_CASE("row_scan: a rowid table with gaps, batches of 7 and 500") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN_AUDIT(ACCESS_TOKEN VARCHAR(2048), REFRESH_TOKEN VARCHAR(2048));
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 10999)
        INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_AUDIT SELECT 'a' || i, CAST('r' || i AS BLOB) FROM n;
        DELETE FROM IDN_OAUTH2_ACCESS_TOKEN_AUDIT WHERE rowid % 11 = 0;)");
    const Target t{"IDN_OAUTH2_ACCESS_TOKEN_AUDIT", "REFRESH_TOKEN", {}, "", TargetKind::value};
    const auto expected =
        query_all(*db, "SELECT rowid, REFRESH_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN_AUDIT ORDER BY rowid", 1);
    REQUIRE(expected.size() == 10000);
    CHECK(expected[0].value.type == SqlValue::Type::blob);
    for (size_t batch : {size_t{7}, size_t{500}}) {
        CAPTURE(batch);
        CHECK(same_rows(scan_all(*db, t, batch), expected));
    }
}

TEST_CASE("row_scan: compare_and_set keeps TEXT as TEXT and BLOB as BLOB, a stale value changes nothing") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE IDN_SECRET(ID VARCHAR(255) PRIMARY KEY, SECRET_VALUE VARCHAR(4096));
        INSERT INTO IDN_SECRET VALUES ('t', 'old-text'), ('b', CAST('old-blob' AS BLOB)), ('n', NULL);)");
    const Target t{"IDN_SECRET", "SECRET_VALUE", {"ID"}, "", TargetKind::value};

    Transaction tx(*db);
    CHECK(cas_one(*db, t, {SqlValue::text("t")}, SqlValue::text("old-text"), SqlValue::text("new-text")));
    CHECK(cas_one(*db, t, {SqlValue::text("b")}, SqlValue::blob("old-blob"), SqlValue::blob("new-blob")));
    tx.commit();
    CHECK(typeof_value(*db, "SELECT typeof(SECRET_VALUE) FROM IDN_SECRET WHERE ID = 't'") == "text");
    CHECK(typeof_value(*db, "SELECT typeof(SECRET_VALUE) FROM IDN_SECRET WHERE ID = 'b'") == "blob");
    CHECK(typeof_value(*db, "SELECT SECRET_VALUE FROM IDN_SECRET WHERE ID = 'b'") == "new-blob");

    // Stale old value (someone else rewrote it), wrong storage class, wrong key: no change.
    CHECK_FALSE(cas_one(*db, t, {SqlValue::text("t")}, SqlValue::text("old-text"), SqlValue::text("x")));
    CHECK_FALSE(cas_one(*db, t, {SqlValue::text("b")}, SqlValue::text("new-blob"), SqlValue::text("x")));
    CHECK_FALSE(cas_one(*db, t, {SqlValue::text("nope")}, SqlValue::text("new-text"), SqlValue::text("x")));
    CHECK(typeof_value(*db, "SELECT group_concat(x, ',') FROM (SELECT ID || '=' || SECRET_VALUE AS x "
                            "FROM IDN_SECRET WHERE ID IN ('t', 'b') ORDER BY ID DESC)") == "t=new-text,b=new-blob");
    // NULL old value matches NULL (IS, not =).
    CHECK(cas_one(*db, t, {SqlValue::text("n")}, SqlValue{}, SqlValue::text("set")));
}

TEST_CASE("row_scan: compare_and_set by rowid and by composite key") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE REG_PROPERTY(REG_ID INTEGER, REG_TENANT_ID INTEGER, REG_NAME TEXT, REG_VALUE TEXT,
                                  PRIMARY KEY (REG_ID, REG_TENANT_ID));
        INSERT INTO REG_PROPERTY VALUES (1, -1234, 'password', 'p1'), (1, 1, 'password', 'p2');
        CREATE TABLE AUDIT(TOKEN TEXT); INSERT INTO AUDIT VALUES ('a'), ('a');)");
    const Target reg{"REG_PROPERTY", "REG_VALUE", {"REG_ID", "REG_TENANT_ID"}, "", TargetKind::value};
    CHECK(cas_one(*db, reg, {SqlValue::integer(1), SqlValue::integer(1)}, SqlValue::text("p2"),
                          SqlValue::text("q2")));
    CHECK(typeof_value(*db, "SELECT group_concat(REG_VALUE) FROM (SELECT REG_VALUE FROM REG_PROPERTY "
                            "ORDER BY REG_TENANT_ID)") == "p1,q2");
    const Target audit{"AUDIT", "TOKEN", {}, "", TargetKind::value};
    CHECK(cas_one(*db, audit, {SqlValue::integer(2)}, SqlValue::text("a"), SqlValue::text("b")));
    CHECK(typeof_value(*db, "SELECT group_concat(TOKEN) FROM (SELECT TOKEN FROM AUDIT ORDER BY rowid)") == "a,b");
    CHECK_THROWS_AS(cas_one(*db, audit, {}, SqlValue::text("a"), SqlValue::text("b")), Error);
}

TEST_CASE("row_scan: a key that is not unique or holds NULL is refused, not silently skipped") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE T(K TEXT, V TEXT);
        INSERT INTO T VALUES ('a', '1'), ('a', '1'), ('b', '3');
        CREATE TABLE N(K TEXT PRIMARY KEY, V TEXT);
        INSERT INTO N VALUES ('a', '1'), (NULL, '2');)");
    const Target t{"T", "V", {"K"}, "", TargetKind::value};
    CHECK_THROWS_AS(RowScanner(*db, t, 10), Error);
    // An UPDATE matching two rows throws, so the caller's transaction rolls back.
    {
        Transaction tx(*db);
        CHECK_THROWS_AS(cas_one(*db, t, {SqlValue::text("a")}, SqlValue::text("1"), SqlValue::text("x")),
                        Error);
    }
    try {
        RowScanner n(*db, Target{"N", "V", {"K"}, "", TargetKind::value}, 10);
        FAIL("accepted a NULL key");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("NULL") != std::string::npos);
    }
    // With a filter that excludes the NULL-key row the scan is fine.
    CHECK(scan_all(*db, Target{"N", "V", {"K"}, "K IS NOT NULL", TargetKind::value}, 1).size() == 1);
}

TEST_CASE("row_scan: a duplicate key across a page boundary is a listed problem, not skipped rows") {
    // Key values 1, 1, 2 read one row per batch: the second page starts after 1, so
    // the second row with 1 would never be read. Neighbours in one batch cannot see it.
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE T(K INTEGER, V TEXT, KIND TEXT);
        INSERT INTO T VALUES (1, 'x', 'secret'), (1, 'y', 'secret'), (2, 'z', 'secret'), (3, 'p', 'plain'),
                             (3, 'q', 'plain');)");
    Target t{"T", "V", {"K"}, "", TargetKind::value};
    const auto parts = scan_problems(*db, t);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].find("key (K) is not unique") != std::string::npos);
    CHECK(parts[0].find("rowid") != std::string::npos);  // says what to do instead
    try {
        RowScanner s(*db, t, 1);
        FAIL("a scanner over a non-unique key was made");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("not unique") != std::string::npos);
        CHECK(std::string(e.what()).find("scan.db") != std::string::npos);
    }
    // Only rows the `where` selects are paged: duplicates outside it do not matter.
    t.where = "KIND = 'plain'";
    CHECK_FALSE(scan_problems(*db, t).empty());
    t.where = "K <> 1";
    CHECK_FALSE(scan_problems(*db, t).empty());  // 3, 3
    t.where = "KIND = 'secret' AND K > 1";
    CHECK(scan_problems(*db, t).empty());
    CHECK(scan_all(*db, t, 1).size() == 1);
    // The rowid is always unique: the same table read without `key` gives every row.
    CHECK(scan_problems(*db, Target{"T", "V", {}, "", TargetKind::value}).empty());
    CHECK(scan_all(*db, Target{"T", "V", {}, "", TargetKind::value}, 1).size() == 5);
}

TEST_CASE("row_scan: a key the schema makes unique is trusted, part of one is still checked") {
    // A PRIMARY KEY or UNIQUE index spares the GROUP BY pass; the same columns in another
    // order count, a subset of them does not (it can repeat).
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE P(A INTEGER, B INTEGER, V TEXT, PRIMARY KEY (A, B));
        INSERT INTO P VALUES (1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z');
        CREATE TABLE U(C TEXT, V TEXT);
        CREATE UNIQUE INDEX U_C ON U(C);
        INSERT INTO U VALUES ('a', 'x'), ('b', 'y');)");
    CHECK(scan_problems(*db, Target{"P", "V", {"A", "B"}, "", TargetKind::value}).empty());
    CHECK(scan_problems(*db, Target{"P", "V", {"b", "a"}, "", TargetKind::value}).empty());
    CHECK(scan_problems(*db, Target{"U", "V", {"C"}, "", TargetKind::value}).empty());
    const auto parts = scan_problems(*db, Target{"P", "V", {"A"}, "", TargetKind::value});
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].find("key (A) is not unique") != std::string::npos);
    CHECK(scan_all(*db, Target{"P", "V", {"B", "A"}, "", TargetKind::value}, 1).size() == 3);
}

TEST_CASE("row_scan: a NULL in any key column is a listed problem") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE R(A INTEGER, B TEXT, V TEXT, PRIMARY KEY (A, B));
        INSERT INTO R VALUES (1, 'x', 'v1'), (2, NULL, 'v2'), (3, 'z', 'v3');)");
    Target t{"R", "V", {"A", "B"}, "", TargetKind::value};
    const auto parts = scan_problems(*db, t);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].find("key (A, B) is NULL") != std::string::npos);
    t.where = "A <> 2";
    CHECK(scan_problems(*db, t).empty());
    CHECK(scan_all(*db, t, 1).size() == 2);
}

TEST_CASE("row_scan: a where naming a column this database lacks is a listed problem") {
    // IDP_AUTHENTICATOR_PROPERTY.IS_SECRET exists only in some product versions.
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE IDP_AUTHENTICATOR_PROPERTY(ID INTEGER PRIMARY KEY, PROPERTY_KEY TEXT, PROPERTY_VALUE TEXT);)");
    Target t{"IDP_AUTHENTICATOR_PROPERTY", "PROPERTY_VALUE", {"ID"}, "IS_SECRET = '1'", TargetKind::value};
    CHECK(scan_problems(*db, t) == std::vector<std::string>{"where: no such column: IS_SECRET"});
    t.where = "PROPERTY_KEY = 'x'); DROP TABLE IDP_AUTHENTICATOR_PROPERTY; SELECT (1";
    const auto two = scan_problems(*db, t);
    REQUIRE(two.size() == 1);
    CHECK(two[0].rfind("where: ", 0) == 0);
    CHECK(db->stored_table("IDP_AUTHENTICATOR_PROPERTY"));
    t.where = "PROPERTY_KEY = 'ClientSecret'";
    CHECK(scan_problems(*db, t).empty());
    // A missing target column is reported as such, not as a failing SELECT as well.
    CHECK(scan_problems(*db, {"IDP_AUTHENTICATOR_PROPERTY", "X", {"ID"}, "IS_SECRET = '1'", TargetKind::value}) ==
          std::vector<std::string>{"column IDP_AUTHENTICATOR_PROPERTY.X does not exist"});
}

TEST_CASE("row_scan: scan_problems names what is missing") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE IDN_SECRET(ID TEXT PRIMARY KEY, SECRET_VALUE TEXT);
        CREATE TABLE WR(ID TEXT PRIMARY KEY, V TEXT) WITHOUT ROWID;)");
    CHECK(scan_problems(*db, {"IDN_SECRET", "SECRET_VALUE", {"ID"}, "", TargetKind::value}).empty());
    CHECK(scan_problems(*db, {"idn_secret", "secret_value", {"id"}, "", TargetKind::value}).empty());
    CHECK(scan_problems(*db, {"NOPE", "X", {"ID"}, "", TargetKind::value}) ==
          std::vector<std::string>{"table NOPE does not exist"});
    CHECK(scan_problems(*db, {"IDN_SECRET", "X", {"ID", "K2"}, "", TargetKind::value}) ==
          std::vector<std::string>{"column IDN_SECRET.X does not exist", "key column IDN_SECRET.K2 does not exist"});
    CHECK(scan_problems(*db, {"IDN_SECRET", "SECRET_VALUE", {}, "", TargetKind::value}).empty());
    // No key given: SQLite's rowid, or (a WITHOUT ROWID table) the primary key.
    const auto wr = plan_scan(*db, {"WR", "V", {}, "", TargetKind::value});
    CHECK(wr.problems.empty());
    CHECK(wr.stored.key == std::vector<std::string>{"ID"});
    CHECK(plan_scan(*db, {"IDN_SECRET", "SECRET_VALUE", {}, "", TargetKind::value}).stored.key.empty());
}

TEST_CASE("row_scan: a bad where is an input error naming the database") {
    ScratchDir dir;
    auto db = make_db(dir, "CREATE TABLE T(K TEXT PRIMARY KEY, V TEXT);");
    try {
        RowScanner s(*db, Target{"T", "V", {"K"}, "NO_SUCH_COLUMN = 1", TargetKind::value}, 10);
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("scan.db") != std::string::npos);
    }
}

TEST_CASE("row_scan: row keys encode as typed JSON and decode to the same values") {
    SqlValue real;
    real.type = SqlValue::Type::real;
    real.d = 1.5;
    const std::vector<SqlValue> key = {SqlValue::integer(5), SqlValue::text("admin"),
                                       SqlValue::blob(std::string("\x00\xff", 2)), real, SqlValue{}};
    const auto text = encode_row_key(key);
    CHECK(text == R"([{"i":5},{"t":"admin"},{"b":"00ff"},{"r":1.5},null])");
    CHECK(decode_row_key(text) == key);
    // Deterministic: the journal looks keys up by this text.
    CHECK(encode_row_key(key) == text);
    // TEXT that is not UTF-8 still round-trips, and stays TEXT.
    const std::vector<SqlValue> odd = {SqlValue::text("a\xff"), SqlValue::integer(INT64_MIN)};
    CHECK(decode_row_key(encode_row_key(odd)) == odd);
    CHECK(encode_row_key({SqlValue::text("1")}) != encode_row_key({SqlValue::integer(1)}));
    CHECK(encode_row_key({SqlValue::text("ab")}) != encode_row_key({SqlValue::blob("ab")}));
    for (const char* bad : {"", "{}", "[1]", R"([{"x":1}])", R"([{"b":"0g"}])", R"([{"i":"5"}])"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(decode_row_key(bad), Error);
    }
}

TEST_CASE("row_scan: plan and verify stop after the batch in which SIGINT/SIGTERM arrived") {
    ScratchDir dir;
    auto db = make_db(dir, R"(
        CREATE TABLE IDN_SECRET(ID INTEGER PRIMARY KEY, SECRET_VALUE TEXT);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
        INSERT INTO IDN_SECRET SELECT i, 'plain-' || i FROM n;)");
    db.reset();
    // Plain text values: no RSA operation runs, but plan builds its workers from the keys.
    const LoadedKey source = ksc::test::memory_key("source", ksc::test::rsa_keys().a);
    const LoadedKey target = ksc::test::memory_key("target", ksc::test::rsa_keys().b);
    std::atomic<bool> stop{true};  // already set: the first batch is the last
    MigrationSettings s;
    s.databases = {parse_database_address((dir / "scan.db").string())};
    s.targets = {Target{"IDN_SECRET", "SECRET_VALUE", {"ID"}, "", TargetKind::value}};
    s.config_note = "no config in this test";
    s.batch_size = 10;
    s.jobs = 1;
    s.stop = &stop;
    for (bool verify : {false, true}) {
        CAPTURE(verify);
        try {
            verify ? verify_migration({&source, &target}, s) : plan_migration({&source, &target}, s, true);
            FAIL("went on after the stop request");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::interrupted);
            const std::string m = e.what();
            CHECK(m.find("after 10 row(s) of IDN_SECRET.SECRET_VALUE") != std::string::npos);
            CHECK(m.find("nothing was written") != std::string::npos);
        }
    }
    stop = false;
    const auto rep = plan_migration({&source, &target}, s, true);
    REQUIRE(rep.targets.size() == 1);
    CHECK(rep.targets[0].rows == 100);
    s.stop = nullptr;  // no signal handling at all (a library caller)
    CHECK(verify_migration({&source, &target}, s).targets[0].rows == 100);
}
