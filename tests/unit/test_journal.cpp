// The in-database journal: exact old values (storage class and bytes) come back,
// lookups find the newest entry, another key pair is refused, and drop leaves the
// schema exactly as it was.
#include "ksc/error.hpp"
#include "ksc/journal.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace ksc;
using ksc::test::ScratchDir;

namespace {

std::unique_ptr<Database> make_db(const ScratchDir& dir) {
    const auto p = dir / "j.db";
    ksc::test::write(p, "");
    auto db = ksc::test::open_sqlite(p, Database::Mode::read_write);
    db->exec("CREATE TABLE IDN_SECRET(ID TEXT PRIMARY KEY, SECRET_VALUE TEXT); CREATE INDEX S_V ON IDN_SECRET(ID);");
    return db;
}

std::string schema(const Database& db) {
    auto s = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name");
    std::string out;
    while (s->step())
        for (int i = 0; i < 4; ++i) out += s->column(i).bytes + "|";
    return out;
}

const RunInfo run_ab{"AAAA", "BBBB", "2024-01-01T00:00:00Z", "", "", ""};

JournalEntry entry(const std::string& target, const std::string& key, SqlValue old_v, SqlValue new_v,
                   int64_t values = 1) {
    JournalEntry e;
    e.target = target;
    e.row_key = key;
    e.old_value = std::move(old_v);
    e.new_value = std::move(new_v);
    e.values = values;
    return e;
}

}  // namespace

TEST_CASE("journal: begin, record, look up, summarize, walk newest first") {
    ScratchDir dir;
    auto db = make_db(dir);
    Journal j(*db);
    CHECK_FALSE(Journal::exists(*db));
    CHECK_FALSE(j.run_info());
    j.begin_or_resume(run_ab);
    CHECK(Journal::exists(*db));
    REQUIRE(j.run_info());
    CHECK(j.run_info()->source_key == "AAAA");
    CHECK(j.run_info()->finished_at.empty());

    const std::string blob_bytes("\x00\x01\xff\x00", 4);
    {
        Transaction tx(*db);
        j.record({entry("IDN_SECRET.SECRET_VALUE", R"([{"t":"a"}])", SqlValue::blob(blob_bytes), SqlValue::blob("n1")),
                  entry("IDN_SECRET.SECRET_VALUE", R"([{"t":"b"}])", SqlValue::text("old-b"), SqlValue::text("n2")),
                  entry("AM_KEY_MANAGER.CONFIGURATION", R"([{"t":"u"}])", SqlValue::blob("{}"), SqlValue::blob("{}"), 3)});
        // The same row rewritten again (a resumed run): the newest entry wins.
        j.record({entry("IDN_SECRET.SECRET_VALUE", R"([{"t":"a"}])", SqlValue::blob("n1"), SqlValue::blob("n3"))});
        tx.commit();
    }
    const auto written = j.written_values("IDN_SECRET.SECRET_VALUE", {R"([{"t":"a"}])", R"([{"t":"b"}])", R"([{"t":"c"}])"});
    CHECK(written.size() == 2);
    CHECK(written.at(R"([{"t":"a"}])") == SqlValue::blob("n3"));
    CHECK(written.at(R"([{"t":"b"}])") == SqlValue::text("n2"));
    CHECK(j.written_values("OTHER.COL", {R"([{"t":"a"}])"}).empty());
    CHECK(j.has_entries("AM_KEY_MANAGER.CONFIGURATION"));
    CHECK_FALSE(j.has_entries("OTHER.COL"));

    const auto sum = j.summary();
    REQUIRE(sum.size() == 2);
    CHECK(sum[0].target == "IDN_SECRET.SECRET_VALUE");
    CHECK(sum[0].rows == 3);
    CHECK(sum[0].values == 3);
    CHECK(sum[1].target == "AM_KEY_MANAGER.CONFIGURATION");
    CHECK(sum[1].rows == 1);
    CHECK(sum[1].values == 3);

    std::vector<JournalEntry> seen;
    j.for_each_chunk_newest_first([&](const std::vector<JournalEntry>& c) { seen.insert(seen.end(), c.begin(), c.end()); });
    REQUIRE(seen.size() == 4);
    CHECK(seen[0].seq > seen[1].seq);
    CHECK(seen[1].seq > seen[2].seq);
    CHECK(seen[2].seq > seen[3].seq);
    CHECK(seen[0].new_value == SqlValue::blob("n3"));
    // Exact bytes and storage class of the old value come back, NULs included.
    CHECK(seen[3].old_value == SqlValue::blob(blob_bytes));
    CHECK(seen[2].old_value == SqlValue::text("old-b"));
    CHECK(seen[1].values == 3);
    auto s = db->prepare("SELECT old_type, typeof(old_value), length(old_value) FROM KSMIGRATE_JOURNAL ORDER BY seq LIMIT 1");
    REQUIRE(s->step());
    CHECK(s->column(0).bytes == "b");
    CHECK(s->column(1).bytes == "blob");
    CHECK(s->column(2).i == 4);
}

TEST_CASE("journal: rollback-style walk deletes entries as it goes, across chunks") {
    ScratchDir dir;
    auto db = make_db(dir);
    Journal j(*db);
    j.begin_or_resume(run_ab);
    {
        Transaction tx(*db);
        std::vector<JournalEntry> entries;
        for (int i = 0; i < 1000; ++i)
            entries.push_back(entry("T.C", std::string("[").append(std::to_string(i)).append("]"), SqlValue::integer(i), SqlValue::integer(-i)));
        j.record(entries);
        tx.commit();
    }
    int64_t expect = 999;
    int64_t visited = 0;
    Transaction tx(*db);  // as rollback does: one commit, not one fsync per entry
    j.for_each_chunk_newest_first([&](const std::vector<JournalEntry>& chunk) {
        std::vector<int64_t> seqs;
        for (const auto& e : chunk) {
            CHECK(e.old_value == SqlValue::integer(expect--));
            seqs.push_back(e.seq);
            ++visited;
        }
        j.delete_entries(seqs);
    });
    tx.commit();
    CHECK(visited == 1000);
    CHECK(j.summary().empty());
}

TEST_CASE("journal: the raw AES form is recorded with the target key, and a resume keeps to it") {
    ScratchDir dir;
    auto db = make_db(dir);
    Journal j(*db);
    const auto run = [](std::string form) { return RunInfo{"AES:old=", "AES:new=", "2030-01-01T00:00:00Z", "", "", form}; };
    // Begun without a form (it stopped at a raw AES value it was not told to move): it may
    // go on with one, which is recorded from then on.
    j.begin_or_resume(run(""));
    CHECK(j.run_info()->raw_aes.empty());
    j.begin_or_resume(run("gcm"));
    CHECK(j.run_info()->target_key == "AES:new=");
    CHECK(j.run_info()->raw_aes == "gcm");
    auto s = db->prepare("SELECT target_key_id FROM \"KSMIGRATE_RUN\"");
    REQUIRE(s->step());
    CHECK(s->column(0).bytes == "AES:new= +raw-aes=gcm");   // what status and an older ksmigrate see
    // Once recorded: the same form or none resumes; the other one is refused, naming both.
    j.begin_or_resume(run("gcm"));
    j.require_same_key_pair(run(""));
    try {
        j.require_same_key_pair(run("keep"));
        FAIL("accepted the other form");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        CHECK(std::string(e.what()).find("to key AES:new= +raw-aes=gcm") != std::string::npos);
        CHECK(std::string(e.what()).find("to key AES:new= +raw-aes=keep") != std::string::npos);
    }
    CHECK(j.run_info()->raw_aes == "gcm");
}

TEST_CASE("journal: resume keeps the run, another key pair is refused") {
    ScratchDir dir;
    auto db = make_db(dir);
    Journal j(*db);
    j.begin_or_resume(RunInfo{"AAAA", "BBBB", "2024-01-01T00:00:00Z", "", "/backups/j.db.bak", ""});
    j.begin_or_resume(RunInfo{"AAAA", "BBBB", "2030-01-01T00:00:00Z", "", "/other.bak", ""});  // same pair: resume
    CHECK(j.run_info()->started_at == "2024-01-01T00:00:00Z");
    CHECK(j.run_info()->backup_file == "/backups/j.db.bak");
    j.mark_finished("2024-01-02T00:00:00Z");
    CHECK(j.run_info()->finished_at == "2024-01-02T00:00:00Z");
    j.mark_unfinished();
    CHECK(j.run_info()->finished_at.empty());
    try {
        j.begin_or_resume(RunInfo{"AAAA", "CCCC", "2030-01-01T00:00:00Z", "", "", ""});
        FAIL("accepted another key pair");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        CHECK(std::string(e.what()).find("j.db") != std::string::npos);
        CHECK(std::string(e.what()).find("BBBB") != std::string::npos);
    }
    CHECK(j.run_info()->target_key == "BBBB");
}

TEST_CASE("journal: drop leaves sqlite_master exactly as before begin_or_resume") {
    ScratchDir dir;
    auto db = make_db(dir);
    const auto before = schema(*db);
    Journal j(*db);
    j.begin_or_resume(run_ab);
    j.record({entry("T.C", "[1]", SqlValue::text("a"), SqlValue::text("b"))});
    CHECK(schema(*db) != before);
    j.drop();
    CHECK(schema(*db) == before);
    CHECK_FALSE(Journal::exists(*db));
    CHECK_FALSE(j.run_info());
    j.drop();  // idempotent
    CHECK(schema(*db) == before);
}

TEST_CASE("journal: begin_or_resume joins the caller's transaction") {
    ScratchDir dir;
    auto db = make_db(dir);
    const auto before = schema(*db);
    Journal j(*db);
    {
        Transaction tx(*db);
        j.begin_or_resume(run_ab);
        CHECK(Journal::exists(*db));
    }  // rolled back: no journal at all
    CHECK(schema(*db) == before);
}

TEST_CASE("journal: require_same_key_pair refuses another pair and writes nothing") {
    ScratchDir dir;
    auto db = make_db(dir);
    const auto before = schema(*db);
    Journal j(*db);
    j.require_same_key_pair(run_ab);  // no journal: nothing to refuse
    CHECK(schema(*db) == before);     // and no table made for asking
    j.begin_or_resume(run_ab);
    j.require_same_key_pair(RunInfo{"AAAA", "BBBB", "2030-01-01T00:00:00Z", "", "", ""});

    // run checks on a read-only connection too: the check itself never writes.
    const auto path = db->address().file;
    db.reset();
    auto ro_owner = ksc::test::open_sqlite(path, Database::Mode::read_only);
    Database& ro = *ro_owner;
    Journal jr(ro);
    try {
        jr.require_same_key_pair(RunInfo{"AAAA", "CCCC", "", "", "", ""});
        FAIL("accepted another key pair");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        const std::string m = e.what();
        CHECK(m.find("the journal holds a run from key AAAA to key BBBB") != std::string::npos);
        CHECK(m.find("j.db") != std::string::npos);
    }
    CHECK_THROWS_AS(jr.require_same_key_pair(RunInfo{"CCCC", "BBBB", "", "", "", ""}), Error);
}

// A journal written before AES support names its key columns for thumbprints; the values
// are the same RSA key ids, so run_info reads it and the run resumes (an AES key id, which
// such a journal never holds, is another key pair: refused).
TEST_CASE("journal: a run table with the old thumbprint columns is read and resumed") {
    ScratchDir dir;
    auto db = make_db(dir);
    db->exec("CREATE TABLE \"KSMIGRATE_RUN\" (id INTEGER PRIMARY KEY CHECK (id = 1), source_thumbprint TEXT NOT NULL, "
             "target_thumbprint TEXT NOT NULL, started TEXT NOT NULL, finished TEXT, backup_file TEXT)");
    db->exec("INSERT INTO \"KSMIGRATE_RUN\" VALUES (1, 'AAAA', 'BBBB', '2026-01-01T00:00:00Z', NULL, 'b.db')");
    Journal j(*db);
    REQUIRE(j.run_info());
    CHECK(j.run_info()->source_key == "AAAA");
    CHECK(j.run_info()->target_key == "BBBB");
    CHECK(j.run_info()->backup_file == "b.db");
    j.begin_or_resume(run_ab);   // the same key pair: resumed, its start kept
    CHECK(j.run_info()->started_at == "2026-01-01T00:00:00Z");
    CHECK_THROWS_AS(j.require_same_key_pair(RunInfo{"AAAA", "AES:qNo=", "", "", "", ""}), Error);
}

namespace {

bool has_index(const Database& db, const std::string& name) {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
    s->bind(1, name);
    return s->step();
}

// What MySQL leaves when a run is killed between the CREATEs of its journal (each
// commits on its own): the entries table, with or without its index, and no run table.
void leave_half_created(Database& db, bool with_index) {
    Journal(db).begin_or_resume(run_ab);
    db.exec(std::string("DROP TABLE \"") + Journal::run_table + "\"");
    if (!with_index) db.exec(std::string("DROP INDEX \"") + Journal::index_name + "\"");
}

}  // namespace

TEST_CASE("journal: one left half created is seen, records no run, and is completed as a fresh start") {
    for (const bool with_index : {false, true}) {
        CAPTURE(with_index);
        ScratchDir dir;
        auto db = make_db(dir);
        const auto before = schema(*db);
        leave_half_created(*db, with_index);
        CHECK(has_index(*db, Journal::index_name) == with_index);
        Journal j(*db);
        CHECK(Journal::exists(*db));   // status, rollback and finalize see it
        CHECK_FALSE(Journal::has_run(*db));  // run starts afresh (a backup, recorded)
        CHECK_FALSE(j.run_info());
        CHECK(j.summary().empty());
        size_t chunks = 0;
        j.for_each_chunk_newest_first([&](const std::vector<JournalEntry>&) { ++chunks; });
        CHECK(chunks == 0);
        j.require_same_key_pair(RunInfo{"CCCC", "DDDD", "", "", "", ""});  // no run to conflict with

        j.begin_or_resume(RunInfo{"AAAA", "BBBB", "2030-01-01T00:00:00Z", "", "/backups/fresh.bak", ""});
        CHECK(Journal::has_run(*db));
        REQUIRE(j.run_info());
        CHECK(j.run_info()->started_at == "2030-01-01T00:00:00Z");
        CHECK(j.run_info()->backup_file == "/backups/fresh.bak");
        CHECK(has_index(*db, Journal::index_name));  // the missing index made on the way

        // The same schema as a journal made in one go.
        ScratchDir other;
        auto whole = make_db(other);
        Journal(*whole).begin_or_resume(run_ab);
        CHECK(schema(*db) == schema(*whole));
        j.drop();
        CHECK(schema(*db) == before);
    }
}

TEST_CASE("journal: a half created journal is dropped whole, leaving the schema as it was") {
    ScratchDir dir;
    auto db = make_db(dir);
    const auto before = schema(*db);
    leave_half_created(*db, false);
    CHECK(schema(*db) != before);
    Journal(*db).drop();
    CHECK(schema(*db) == before);
    CHECK_FALSE(Journal::exists(*db));
}

TEST_CASE("journal: the journal-tables fault point comes after the entries table, before its index and run table") {
    ScratchDir dir;
    auto db = make_db(dir);
    const auto before = schema(*db);
    int reached = 0;
    Journal j(*db, [&](std::string_view point) {
        CHECK(point == "journal-tables");
        ++reached;
        CHECK(db->stored_table(Journal::entries_table));
        CHECK_FALSE(db->stored_table(Journal::run_table));
        CHECK_FALSE(has_index(*db, Journal::index_name));
        throw Error(ErrorKind::interrupted, "stopped at journal-tables");
    });
    CHECK_THROWS_AS(j.begin_or_resume(run_ab), Error);
    CHECK(reached == 1);
    CHECK(schema(*db) == before);  // SQLite: one transaction, nothing left
}
