// The SQLite layer: read-only opens that touch nothing (rollback journal and WAL),
// no database ever created by accident, storage classes kept, busy and read-only
// files mapped to clear errors, backups, transactions.
#include "ksc/error.hpp"
#include "ksc/database.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>  // the product's own connection, beside ours
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <set>

using namespace ksc;
using ksc::test::ScratchDir;

namespace {

std::set<std::string> listing(const std::filesystem::path& dir) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

// A new database: an empty file is a valid empty SQLite database.
void create_db(const std::filesystem::path& p, const std::string& sql) {
    ksc::test::write(p, "");
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_write);
    Database& db = *db_owner;
    db.exec(sql);
}

ErrorKind kind_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("no ksc::Error thrown");
    return ErrorKind::usage;
}

std::string message_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// Raw connection for the test's "other process" roles.
struct RawDb {
    sqlite3* db = nullptr;
    explicit RawDb(const std::filesystem::path& p) { REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK); }
    ~RawDb() { sqlite3_close(db); }
    int exec(const std::string& sql) { return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); }
};

}  // namespace

TEST_CASE("sqlite: a missing file is an input error in both modes and no file is created") {
    ScratchDir dir;
    const auto p = dir / "absent.db";
    CHECK(kind_of([&] { (void)ksc::test::open_sqlite(p, Database::Mode::read_only); }) == ErrorKind::input);
    CHECK(kind_of([&] { (void)ksc::test::open_sqlite(p, Database::Mode::read_write); }) == ErrorKind::input);
    CHECK(message_of([&] { (void)ksc::test::open_sqlite(p, Database::Mode::read_only); }).find("absent.db") != std::string::npos);
    CHECK(listing(dir.path()).empty());
}

TEST_CASE("sqlite: a file that is not a database fails at open, naming it") {
    ScratchDir dir;
    ksc::test::write(dir / "junk.db", std::string(4096, 'x'));
    const auto msg = message_of([&] { (void)ksc::test::open_sqlite(dir / "junk.db", Database::Mode::read_only); });
    CHECK(msg.find("junk.db") != std::string::npos);
    CHECK(msg.find("not an SQLite database") != std::string::npos);
}

TEST_CASE("sqlite: a read-only open and read changes no byte and creates no file") {
    ScratchDir dir;
    const auto p = dir / "app.db";
    create_db(p, "CREATE TABLE T(ID INTEGER PRIMARY KEY, V TEXT); INSERT INTO T VALUES (1, 'a'), (2, 'b');");
    const auto before_bytes = ksc::test::slurp(p);
    const auto before_list = listing(dir.path());
    {
        auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_only);
        Database& db = *db_owner;
        auto s = db.prepare("SELECT count(*) FROM T");
        REQUIRE(s->step());
        CHECK(s->column(0).i == 2);
        CHECK(db.stored_table("t"));  // SQL names are case-insensitive
        CHECK(db.columns("T") == std::vector<std::string>{"ID", "V"});
        // A write through a read-only connection is refused, not performed.
        CHECK(kind_of([&] { db.exec("INSERT INTO T VALUES (3, 'c')"); }) == ErrorKind::input);
        CHECK(listing(dir.path()) == before_list);
    }
    CHECK(ksc::test::slurp(p) == before_bytes);
    CHECK(listing(dir.path()) == before_list);
}

TEST_CASE("sqlite: a WAL database without -wal/-shm is read immutably, creating nothing") {
    ScratchDir dir;
    const auto p = dir / "wal.db";
    create_db(p, "PRAGMA journal_mode=WAL; CREATE TABLE T(V); INSERT INTO T VALUES ('x');");
    // The last connection closed: SQLite checkpointed and removed -wal and -shm.
    REQUIRE(listing(dir.path()) == std::set<std::string>{"wal.db"});
    const auto before = ksc::test::slurp(p);
    {
        auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_only);
        Database& db = *db_owner;
        auto s = db.prepare("SELECT V FROM T");
        REQUIRE(s->step());
        CHECK(s->column(0) == SqlValue::text("x"));
        CHECK(listing(dir.path()) == std::set<std::string>{"wal.db"});
    }
    CHECK(ksc::test::slurp(p) == before);
    CHECK(listing(dir.path()) == std::set<std::string>{"wal.db"});
}

TEST_CASE("sqlite: a WAL database with a live writer is read through its -wal") {
    ScratchDir dir;
    const auto p = dir / "wal.db";
    create_db(p, "PRAGMA journal_mode=WAL; CREATE TABLE T(V);");
    RawDb writer(p);
    REQUIRE(writer.exec("PRAGMA wal_autocheckpoint=0; INSERT INTO T VALUES ('committed');") == SQLITE_OK);
    REQUIRE(std::filesystem::file_size(dir / "wal.db-wal") > 0);
    const auto before = ksc::test::slurp(p);
    const auto before_list = listing(dir.path());
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_only);
    Database& db = *db_owner;
    auto s = db.prepare("SELECT V FROM T");
    REQUIRE(s->step());  // only in the -wal: the immutable shortcut would miss it
    CHECK(s->column(0) == SqlValue::text("committed"));
    CHECK(ksc::test::slurp(p) == before);
    CHECK(listing(dir.path()) == before_list);
}

TEST_CASE("sqlite: a WAL database with -wal content but no -shm is refused clearly") {
    ScratchDir dir;
    const auto live = dir / "live.db";
    create_db(live, "PRAGMA journal_mode=WAL; CREATE TABLE T(V);");
    RawDb writer(live);
    REQUIRE(writer.exec("PRAGMA wal_autocheckpoint=0; INSERT INTO T VALUES ('only in wal');") == SQLITE_OK);
    std::filesystem::create_directory(dir / "copy");
    std::filesystem::copy_file(live, dir / "copy" / "app.db");
    std::filesystem::copy_file(dir / "live.db-wal", dir / "copy" / "app.db-wal");
    const auto before = listing(dir / "copy");
    const auto msg = message_of([&] { (void)ksc::test::open_sqlite(dir / "copy" / "app.db", Database::Mode::read_only); });
    CHECK(msg.find("app.db") != std::string::npos);
    CHECK(msg.find("-shm") != std::string::npos);
    CHECK(listing(dir / "copy") == before);
}

TEST_CASE("sqlite: values keep their storage class through bind and column") {
    ScratchDir dir;
    const auto p = dir / "v.db";
    create_db(p, "CREATE TABLE T(N INTEGER PRIMARY KEY, V)");
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_write);
    Database& db = *db_owner;
    SqlValue real;
    real.type = SqlValue::Type::real;
    real.d = 1.5;
    const std::vector<SqlValue> values = {SqlValue{},
                                          SqlValue::text(""),
                                          SqlValue::blob(""),
                                          SqlValue::text("caf\xc3\xa9"),
                                          SqlValue::blob(std::string("\x00\xff\x01", 3)),
                                          SqlValue::integer(-42),
                                          real};
    auto ins = db.prepare("INSERT INTO T(N, V) VALUES (?1, ?2)");
    for (size_t i = 0; i < values.size(); ++i) {
        ins->bind(1, static_cast<int64_t>(i)).bind(2, values[i]);
        CHECK_FALSE(ins->step());
        ins->reset();
    }
    auto sel = db.prepare("SELECT V, typeof(V) FROM T ORDER BY N");
    const char* types[] = {"null", "text", "blob", "text", "blob", "integer", "real"};
    for (size_t i = 0; i < values.size(); ++i) {
        REQUIRE(sel->step());
        CHECK(sel->column(0) == values[i]);
        CHECK(sel->column(1).bytes == types[i]);
    }
    CHECK_FALSE(sel->step());
}

TEST_CASE("sqlite: another connection holding the database is a refusal") {
    ScratchDir dir;
    const auto p = dir / "busy.db";
    create_db(p, "CREATE TABLE T(V)");
    RawDb other(p);
    REQUIRE(other.exec("BEGIN IMMEDIATE; INSERT INTO T VALUES (1);") == SQLITE_OK);
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_write);
    Database& db = *db_owner;
    const auto msg = message_of([&] { Transaction tx(db); });
    CHECK(msg.find("another connection holds the database") != std::string::npos);
    CHECK(msg.find("busy.db") != std::string::npos);
    CHECK(kind_of([&] { Transaction tx(db); }) == ErrorKind::refused);
    REQUIRE(other.exec("COMMIT") == SQLITE_OK);
    Transaction tx(db);  // free again
    tx.commit();
}

TEST_CASE("sqlite: a read-only file opened read_write fails clearly at the first write") {
    ScratchDir dir;
    const auto p = dir / "ro.db";
    create_db(p, "CREATE TABLE T(V)");
    std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                        std::filesystem::perms::others_read);
    // Root may write any file: check as an unprivileged user in a child then.
    auto check = [&]() -> bool {
        auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_write);
        Database& db = *db_owner;
        try {
            db.exec("INSERT INTO T VALUES (1)");
        } catch (const Error& e) {
            const std::string m = e.what();
            return e.kind() == ErrorKind::input && m.find("ro.db") != std::string::npos &&
                   m.find("read-only") != std::string::npos;
        }
        return false;
    };
    if (geteuid() != 0) {
        CHECK(check());
        return;
    }
    REQUIRE(chmod(dir.path().c_str(), 0755) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        bool ok = false;
        try {
            ok = setgid(65534) == 0 && setuid(65534) == 0 && check();
        } catch (...) {
        }
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("sqlite: backup_to writes a 0600 copy and never overwrites") {
    ScratchDir dir;
    const auto p = dir / "src.db";
    create_db(p, "CREATE TABLE T(V); INSERT INTO T VALUES (x'00ff'), ('t');");
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_only);
    Database& db = *db_owner;
    const auto b = dir / "src.db.bak";
    db.copy_file_to(b);
    CHECK((std::filesystem::status(b).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    {
        auto copy_owner = ksc::test::open_sqlite(b, Database::Mode::read_only);
        Database& copy = *copy_owner;
        auto s = copy.prepare("SELECT V FROM T ORDER BY rowid");
        REQUIRE(s->step());
        CHECK(s->column(0) == SqlValue::blob(std::string("\x00\xff", 2)));
        REQUIRE(s->step());
        CHECK(s->column(0) == SqlValue::text("t"));
    }
    ksc::test::write(dir / "taken.bak", "keep me");
    CHECK(kind_of([&] { db.copy_file_to(dir / "taken.bak"); }) == ErrorKind::refused);
    CHECK(ksc::test::slurp(dir / "taken.bak") == "keep me");
}

TEST_CASE("sqlite: Transaction rolls back unless committed") {
    ScratchDir dir;
    const auto p = dir / "tx.db";
    create_db(p, "CREATE TABLE T(V)");
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_write);
    Database& db = *db_owner;
    auto count = [&] {
        auto s = db.prepare("SELECT count(*) FROM T");
        s->step();
        return s->column(0).i;
    };
    {
        Transaction tx(db);
        db.exec("INSERT INTO T VALUES (1)");
        CHECK(count() == 1);
    }
    CHECK(count() == 0);
    {
        Transaction tx(db);
        db.exec("INSERT INTO T VALUES (1)");
        tx.commit();
    }
    CHECK(count() == 1);
    auto del = db.prepare("DELETE FROM T");
    del->step();
    CHECK(del->changes() == 1);
}

TEST_CASE("sqlite: quote doubles quotes, names are found case-insensitively, prepare takes one statement only") {
    ScratchDir dir;
    const auto p = dir / "q.db";
    create_db(p, "CREATE TABLE \"we\"\"ird\"(V); CREATE TABLE Idn_Secret(V)");
    auto db_owner = ksc::test::open_sqlite(p, Database::Mode::read_write);
    Database& db = *db_owner;
    CHECK(db.quote("A") == "\"A\"");
    CHECK(db.quote("a\"b") == "\"a\"\"b\"");
    CHECK(db.stored_table("we\"ird") == "we\"ird");
    CHECK_FALSE(db.stored_table("weird"));
    CHECK(db.stored_table("IDN_SECRET") == "Idn_Secret");
    CHECK(kind_of([&] { db.prepare("SELECT 1; DROP TABLE T"); }) == ErrorKind::input);
    CHECK_NOTHROW(db.prepare("SELECT 1; "));
}
