// run_migration and rollback_migration called directly, on a SQLite database made here:
// what run writes (values, journal), that a second run changes nothing, that rollback
// puts every value back byte for byte, and that a value the product wrote in between
// is never overwritten, neither by run nor by rollback.
#include "ksc/error.hpp"
#include "ksc/journal.hpp"
#include "ksc/migration.hpp"
#include "ksc/value_crypto.hpp"
#include "test_support.hpp"

#include <botan/auto_rng.h>
#include <botan/rsa.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ksc;
using ksc::test::ScratchDir;

namespace {

const Target secret_target{"IDN_SECRET", "SECRET_VALUE", {"ID"}, "", TargetKind::value};

struct Keys {
    LoadedKey source = test::memory_key("source", test::rsa_keys().a);
    LoadedKey target = test::memory_key("target", test::rsa_keys().b);
};
const Keys& keys() {
    static const Keys k;  // certificates made once per test process
    return k;
}

// A self-contained OAEP value for `key`, claiming `thumbprint` (the key's own, unless a
// test wants a value that names the source key and does not open under it).
std::string seal(const Botan::Public_Key& key, const std::string& plaintext, const std::string& thumbprint) {
    Botan::AutoSeeded_RNG rng;
    const ValueEncryptor enc(key, thumbprint, Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding"),
                             OutputFormat::self_contained);
    return enc.encrypt(Bytes(plaintext.begin(), plaintext.end()), rng);
}
std::string seal(const LoadedKey& key, const std::string& plaintext) {
    return seal(*key.certificate.load_subject_public_key(), plaintext, key.facts.thumbprint_sha1);
}

std::string plaintext(int id) { return "secret-" + std::to_string(id); }

// Every row of IDN_SECRET, by ID.
std::vector<SqlValue> all_values(const Database& db) {
    auto s = db.prepare("SELECT ID, SECRET_VALUE FROM IDN_SECRET ORDER BY ID");
    std::vector<SqlValue> out;
    while (s->step()) {
        CHECK(s->column(0).i == static_cast<int64_t>(out.size()) + 1);
        out.push_back(s->column(1));
    }
    return out;
}

// IDN_SECRET(ID, SECRET_VALUE) in a fresh SQLite file, rows added with ID 1, 2, ...
struct Fixture {
    ScratchDir dir;
    std::filesystem::path file = dir / "apim.db";
    MigrationSettings settings;

    explicit Fixture(size_t batch_size) {
        test::write(file, "");
        open()->exec("CREATE TABLE IDN_SECRET(ID INTEGER PRIMARY KEY, SECRET_VALUE TEXT)");
        settings.databases = {parse_database_address(file.string())};
        settings.targets = {secret_target};
        settings.config_note = "no deployment.toml in this test";
        settings.batch_size = batch_size;  // several batches: the classify-ahead pipeline runs
        settings.jobs = 2;
        settings.no_backup = true;
    }

    void add(const std::vector<SqlValue>& values) const {
        auto db = open();
        const int64_t first = static_cast<int64_t>(count(*db)) + 1;
        auto insert = db->prepare("INSERT INTO IDN_SECRET(ID, SECRET_VALUE) VALUES (?, ?)");
        for (size_t i = 0; i < values.size(); ++i) {
            insert->bind(1, first + static_cast<int64_t>(i));
            insert->bind(2, values[i]);
            insert->step();
            insert->reset();
        }
    }

    // `source_rows` values under the source key (every fourth one a BLOB, the rest TEXT),
    // then NULL, '', a value that is no ciphertext and one already under the target key.
    void add_mixed(int source_rows) const {
        std::vector<SqlValue> values;
        for (int id = 1; id <= source_rows; ++id) {
            const std::string v = seal(keys().source, plaintext(id));
            values.push_back(id % 4 == 0 ? SqlValue::blob(v) : SqlValue::text(v));
        }
        values.push_back(SqlValue{});
        values.push_back(SqlValue::text(""));
        values.push_back(SqlValue::text("not a ciphertext"));
        values.push_back(SqlValue::text(seal(keys().target, "already-moved")));
        add(values);
    }

    static size_t count(const Database& db) {
        auto s = db.prepare("SELECT COUNT(*) FROM IDN_SECRET");
        REQUIRE(s->step());
        return static_cast<size_t>(s->column(0).i);
    }
    std::unique_ptr<Database> open() const { return test::open_sqlite(file, Database::Mode::read_write); }
    std::vector<SqlValue> values() const { return all_values(*open()); }
    MigrationReport run() const { return run_migration({&keys().source, &keys().target}, settings); }
    // What MySQL leaves when a run is killed between the CREATEs of its journal (each
    // commits on its own): the entries table alone, without its index and run table.
    void leave_half_journal() const {
        auto db = open();
        Journal(*db).begin_or_resume(RunInfo{"AAAA", "BBBB", "2020-01-01T00:00:00Z", "", "", ""});
        db->exec(std::string("DROP TABLE \"") + Journal::run_table + "\"");
        db->exec(std::string("DROP INDEX \"") + Journal::index_name + "\"");
        REQUIRE(Journal::exists(*db));
    }
};

std::string decrypt_under(const LoadedKey& key, const SqlValue& v) {
    Botan::AutoSeeded_RNG rng;
    const SecureBytes plain = decrypt_value(*key.private_key, v.bytes, PlainDecryption{}, "test value", rng);
    return std::string(plain.begin(), plain.end());
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("run_migration: every source value re-encrypted and journaled, and a second run changes nothing") {
    Fixture f(5);
    f.add_mixed(23);
    const std::vector<SqlValue> before = f.values();

    const MigrationReport rep = f.run();
    CHECK(rep.go());
    REQUIRE(rep.targets.size() == 1);
    const TargetReport& t = rep.targets[0];
    CHECK(t.rows == 27);
    CHECK(t.rewritten == 23);
    CHECK(t.states[ValueState::source] == 23);
    CHECK(t.states[ValueState::target] == 1);
    CHECK(t.states[ValueState::empty] == 2);
    CHECK(t.states[ValueState::not_encrypted] == 1);
    CHECK(t.problems.empty());

    const std::vector<SqlValue> after = f.values();
    REQUIRE(after.size() == before.size());
    for (int id = 1; id <= 23; ++id) {
        CAPTURE(id);
        const SqlValue& v = after[static_cast<size_t>(id) - 1];
        CHECK(v.type == before[static_cast<size_t>(id) - 1].type);  // TEXT stays TEXT, BLOB stays BLOB
        CHECK(v.bytes != before[static_cast<size_t>(id) - 1].bytes);
        CHECK(decrypt_under(keys().target, v) == plaintext(id));
    }
    for (size_t i = 23; i < before.size(); ++i) CHECK(after[i] == before[i]);  // not ours to touch

    {
        auto db = f.open();
        Journal journal(*db);
        const auto summary = journal.summary();
        REQUIRE(summary.size() == 1);
        CHECK(summary[0].target == secret_target.name());
        CHECK(summary[0].rows == 23);
        CHECK(summary[0].values == 23);
        const auto info = journal.run_info();
        REQUIRE(info.has_value());
        CHECK(info->source_key == keys().source.facts.thumbprint_sha1);
        CHECK(info->target_key == keys().target.facts.thumbprint_sha1);
        CHECK_FALSE(info->finished_at.empty());
        // The journal holds the exact old value of every row it rewrote.
        std::vector<JournalEntry> entries;
        journal.for_each_chunk_newest_first([&](const std::vector<JournalEntry>& chunk) {
            entries.insert(entries.end(), chunk.begin(), chunk.end());
        });
        REQUIRE(entries.size() == 23);
        for (const auto& e : entries) {
            bool found = false;
            for (size_t i = 0; i < 23; ++i) found |= before[i] == e.old_value && after[i] == e.new_value;
            CHECK(found);
        }
    }

    const MigrationReport again = f.run();
    CHECK(again.go());
    REQUIRE(again.targets.size() == 1);
    CHECK(again.targets[0].rewritten == 0);
    CHECK(again.targets[0].states[ValueState::source] == 0);
    CHECK(again.targets[0].states[ValueState::target] == 24);
    CHECK(f.values() == after);
    auto db = f.open();
    CHECK(Journal(*db).summary().at(0).rows == 23);  // nothing journaled twice
}

TEST_CASE("rollback_migration: every value back byte for byte and the journal gone") {
    Fixture f(4);
    f.add_mixed(12);
    const std::vector<SqlValue> before = f.values();
    REQUIRE(f.run().targets.at(0).rewritten == 12);
    REQUIRE(f.values() != before);

    const JobOutcome out = rollback_migration(f.settings);
    CHECK(out.problems.empty());
    REQUIRE(out.lines.size() == 1);
    CHECK(contains(out.lines[0], "12 row(s) restored"));
    CHECK(contains(out.lines[0], "journal removed"));
    CHECK(f.values() == before);
    auto db = f.open();
    CHECK_FALSE(Journal::exists(*db));
}

TEST_CASE("rollback_migration: a value the product changed after the run is kept and reported as a conflict") {
    Fixture f(4);
    f.add_mixed(9);
    const std::vector<SqlValue> before = f.values();
    REQUIRE(f.run().targets.at(0).rewritten == 9);
    // The product writes a new secret for ID 5 with the key it now uses.
    const SqlValue product_value = SqlValue::text(seal(keys().target, "changed-by-product"));
    {
        auto product = f.open();
        auto update = product->prepare("UPDATE IDN_SECRET SET SECRET_VALUE = ? WHERE ID = 5");
        update->bind(1, product_value);
        update->step();
    }

    const JobOutcome out = rollback_migration(f.settings);
    REQUIRE(out.problems.size() == 1);
    CHECK(contains(out.problems[0], "IDN_SECRET.SECRET_VALUE"));
    CHECK(contains(out.problems[0], "changed after the run; left as it is"));
    CHECK_FALSE(contains(out.problems[0], product_value.bytes));  // names the row, never a value
    CHECK_FALSE(contains(out.problems[0], before[4].bytes));
    REQUIRE(out.lines.size() == 1);
    CHECK(contains(out.lines[0], "8 row(s) restored"));
    CHECK(contains(out.lines[0], "1 conflict(s) kept in the journal"));

    std::vector<SqlValue> expected = before;
    expected[4] = product_value;
    CHECK(f.values() == expected);
    auto db = f.open();
    REQUIRE(Journal::exists(*db));
    const auto summary = Journal(*db).summary();
    REQUIRE(summary.size() == 1);
    CHECK(summary[0].rows == 1);  // only the conflict's entry is left, for the operator
}

TEST_CASE("run_migration: a value the product changes between the scan and the write is left and reported") {
    Fixture f(10);
    f.add_mixed(6);
    const SqlValue product_value = SqlValue::text("written-by-the-product");
    bool written = false;
    // After the batch is read and classified, before its UPDATE: the product's write wins.
    f.settings.fault = [&](std::string_view point) {
        if (point != "batch-read" || written) return;
        auto product = f.open();
        product->exec("UPDATE IDN_SECRET SET SECRET_VALUE = 'written-by-the-product' WHERE ID = 3");
        written = true;
    };
    const MigrationReport rep = f.run();
    REQUIRE(written);
    CHECK_FALSE(rep.go());
    REQUIRE(rep.targets.size() == 1);
    CHECK(rep.targets[0].rewritten == 5);
    REQUIRE(rep.targets[0].problems.size() == 1);
    CHECK(rep.targets[0].problems[0].row_key == "ID=3");
    CHECK(contains(rep.targets[0].problems[0].message, "changed while it was being migrated"));
    CHECK(f.values().at(2) == product_value);
    auto db = f.open();
    CHECK(Journal(*db).summary().at(0).rows == 5);  // nothing journaled for the row it did not write
}

TEST_CASE("run_migration: with --skip-undecryptable the problems listed per target are capped, with a count of the rest") {
    // 26 values that name the source key but were sealed for another key: undecryptable.
    Botan::AutoSeeded_RNG rng;
    const Botan::RSA_PrivateKey stranger(rng, 2048);
    Fixture f(7);
    std::vector<SqlValue> sealed;
    for (int id = 1; id <= 26; ++id)
        sealed.push_back(SqlValue::text(seal(stranger, plaintext(id), keys().source.facts.thumbprint_sha1)));
    f.add(sealed);
    const std::vector<SqlValue> before = f.values();

    // Without the flag: refused, nothing written.
    try {
        f.run();
        FAIL("run went on over an undecryptable value");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        CHECK(contains(e.what(), "does not decrypt under the source key"));
    }
    CHECK(f.values() == before);

    f.settings.skip_undecryptable = true;
    const MigrationReport rep = f.run();
    REQUIRE(rep.targets.size() == 1);
    const TargetReport& t = rep.targets[0];
    CHECK(t.states[ValueState::undecryptable] == 26);
    CHECK(t.rewritten == 0);
    REQUIRE(t.problems.size() == 21);  // 20 listed, then one line counting the rest
    for (size_t i = 0; i < 20; ++i) CHECK(t.problems[i].state == "undecryptable");
    CHECK(t.problems[0].row_key == "ID=1");
    CHECK(t.problems[20].row_key.empty());
    CHECK(t.problems[20].message == "6 more not listed");
    CHECK(rep.problems.size() == 21);
    CHECK(f.values() == before);
}

namespace {

bool has_journal_index(const Database& db) {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
    s->bind(1, std::string(Journal::index_name));
    return s->step();
}

std::string absolute_text(const std::filesystem::path& p) { return std::filesystem::absolute(p).string(); }

}  // namespace

// MySQL commits each CREATE on its own: a run killed while creating its journal leaves the
// entries table without its index and run table. Nothing was changed through it, so the
// next run is a fresh start: it makes its backup and records it, and completes the journal.
TEST_CASE("run_migration: a journal left half created is a fresh start, backed up and completed") {
    Fixture f(5);
    f.add_mixed(6);
    f.leave_half_journal();
    f.settings.no_backup = false;
    std::vector<std::string> notes;
    f.settings.notify = [&](const std::string& line) { notes.push_back(line); };
    const MigrationReport rep = f.run();
    CHECK(rep.targets.at(0).rewritten == 6);

    const auto backups = backups_beside(f.file);
    REQUIRE(backups.size() == 1);
    auto db = f.open();
    const auto info = Journal(*db).run_info();
    REQUIRE(info);
    CHECK(info->backup_file == absolute_text(backups[0]));
    CHECK(info->source_key == keys().source.facts.thumbprint_sha1);
    CHECK_FALSE(info->finished_at.empty());
    CHECK(has_journal_index(*db));
    bool said_backup = false, said_resuming = false;
    for (const auto& n : notes) {
        said_backup |= contains(n, "backup written to " + absolute_text(backups[0]));
        said_resuming |= contains(n, "resuming");
    }
    CHECK(said_backup);
    CHECK_FALSE(said_resuming);
}

// plan judges a journal as run does: part of one with no run recorded is a fresh start
// for run, so plan lists no journal problem for it (the verdict stays GO) and says what
// run will do; a journal that records a run is a problem.
TEST_CASE("plan_migration: a journal left half created is a note, one with a run a problem") {
    Fixture f(5);
    f.add_mixed(4);
    f.leave_half_journal();
    auto journal_problems = [](const MigrationReport& r) {
        size_t n = 0;
        for (const auto& p : r.problems) n += p.state == "journal";
        return n;
    };
    const MigrationReport half = plan_migration({&keys().source, &keys().target}, f.settings, false);
    CHECK(journal_problems(half) == 0);
    CHECK(half.go());
    bool said = false;
    for (const auto& a : half.advice) said |= contains(a, "holds part of a migration journal") && contains(a, "starts afresh");
    CHECK(said);

    f.run();  // completes the journal and records its run
    const MigrationReport whole = plan_migration({&keys().source, &keys().target}, f.settings, false);
    CHECK(journal_problems(whole) == 1);
    CHECK_FALSE(whole.go());
}

// Backups are all made before the first journal starts. A run that stops with an error
// between two databases' journals removes the backup no journal records yet; the first
// database's is recorded and kept. The next run resumes the first (its backup kept) and
// starts the second afresh (a new backup, recorded).
TEST_CASE("run_migration: stopped between two databases' journals, each database ends with one recorded backup") {
    Fixture f(5);
    f.add_mixed(4);
    const std::filesystem::path second = f.dir / "shared.db";
    test::write(second, "");
    {
        auto db = test::open_sqlite(second, Database::Mode::read_write);
        db->exec("CREATE TABLE IDN_SECRET(ID INTEGER PRIMARY KEY, SECRET_VALUE TEXT)");
        auto insert = db->prepare("INSERT INTO IDN_SECRET(ID, SECRET_VALUE) VALUES (1, ?)");
        insert->bind(1, seal(keys().source, plaintext(1)));
        insert->step();
    }
    f.settings.databases.push_back(parse_database_address(second.string()));
    f.settings.no_backup = false;
    int started = 0;
    f.settings.fault = [&](std::string_view point) {
        if (point == "journal-started" && ++started == 1) throw Error(ErrorKind::interrupted, "stopped between");
    };
    CHECK_THROWS_AS(f.run(), Error);
    CHECK(started == 1);
    REQUIRE(backups_beside(f.file).size() == 1);
    CHECK(backups_beside(second).empty());  // made, recorded by no journal: removed again
    {
        auto db = f.open();
        REQUIRE(Journal::has_run(*db));
        CHECK(Journal(*db).run_info()->backup_file == absolute_text(backups_beside(f.file)[0]));
        auto other = test::open_sqlite(second, Database::Mode::read_only);
        CHECK_FALSE(Journal::exists(*other));
    }

    f.settings.fault = nullptr;
    const MigrationReport rep = f.run();
    int64_t rewritten = 0;
    for (const auto& t : rep.targets) rewritten += t.rewritten;
    CHECK(rewritten == 5);
    CHECK(started == 1);
    REQUIRE(backups_beside(f.file).size() == 1);  // the first database's, kept by the resumed run
    REQUIRE(backups_beside(second).size() == 1);
    auto db = f.open();
    CHECK(Journal(*db).run_info()->backup_file == absolute_text(backups_beside(f.file)[0]));
    auto other = test::open_sqlite(second, Database::Mode::read_only);
    REQUIRE(Journal(*other).run_info());
    CHECK(Journal(*other).run_info()->backup_file == absolute_text(backups_beside(second)[0]));
}
