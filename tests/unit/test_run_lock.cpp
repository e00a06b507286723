// The per-database run lock: exclusive across processes, names its holder,
// released by the kernel when the holder is killed, removed on a clean exit; the
// read-only probe status uses.
#include "ksc/error.hpp"
#include "ksc/run_lock.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <optional>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ksc;
using ksc::test::ScratchDir;

TEST_CASE("run_lock: taken, written with the holder, removed on release") {
    ScratchDir dir;
    const auto db = dir / "app.db";
    const auto lock = RunLock::lock_file(db);
    CHECK(lock == dir / "app.db.ksmigrate.lock");
    {
        RunLock l(db);
        REQUIRE(std::filesystem::exists(lock));
        const auto text = ksc::test::slurp(lock);
        CHECK(text.rfind("pid " + std::to_string(getpid()) + " on ", 0) == 0);
        CHECK(text.find(" since ") != std::string::npos);
        struct stat st{};
        REQUIRE(stat(lock.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    CHECK_FALSE(std::filesystem::exists(lock));
    RunLock again(db);  // free again
}

TEST_CASE("run_lock: another process holding it is refused with its pid, kill -9 frees it") {
    ScratchDir dir;
    const auto db = dir / "app.db";
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(ready[0]);
        try {
            RunLock l(db);
            const char ok = 'y';
            (void)!write(ready[1], &ok, 1);
            for (;;) pause();
        } catch (...) {
        }
        _exit(1);
    }
    close(ready[1]);
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    close(ready[0]);

    try {
        RunLock l(db);
        FAIL("took a held lock");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        const std::string m = e.what();
        CHECK(m.find("another ksmigrate run holds " + db.string() + ": pid " + std::to_string(child) + " on ") !=
              std::string::npos);
        CHECK(m.find(" since ") != std::string::npos);
    }
    // Still held after a refused attempt (which must not remove the holder's file).
    CHECK(std::filesystem::exists(RunLock::lock_file(db)));
    CHECK_THROWS_AS(RunLock{db}, Error);

    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    // The stale file is still there, but the kernel released the lock.
    CHECK(std::filesystem::exists(RunLock::lock_file(db)));
    RunLock mine(db);
    CHECK(ksc::test::slurp(RunLock::lock_file(db)).rfind("pid " + std::to_string(getpid()) + " ", 0) == 0);
}

TEST_CASE("run_lock: is_held probes without creating or removing the lock file") {
    ScratchDir dir;
    const auto db = dir / "app.db";
    const auto lock = RunLock::lock_file(db);
    // No file: not held, and the probe made none (status must stay read-only).
    CHECK(RunLock::is_held(db) == std::optional<bool>(false));
    CHECK_FALSE(std::filesystem::exists(lock));
    {
        RunLock l(db);
        // Held (a second open file description cannot take it), and the probe
        // neither released the holder's lock nor removed its file.
        CHECK(RunLock::is_held(db) == std::optional<bool>(true));
        CHECK(std::filesystem::exists(lock));
        CHECK(RunLock::is_held(db) == std::optional<bool>(true));
    }
    CHECK(RunLock::is_held(db) == std::optional<bool>(false));
    CHECK_FALSE(std::filesystem::exists(lock));

    // A stale file (its holder was killed): not held, and left where it is.
    ksc::test::write(lock, "pid 1 on gone since then\n");
    CHECK(RunLock::is_held(db) == std::optional<bool>(false));
    CHECK(ksc::test::slurp(lock) == "pid 1 on gone since then\n");
}

TEST_CASE("run_lock: another process holding the lock is reported held, and a brief hold does not refuse a run") {
    ScratchDir dir;
    const auto db = dir / "app.db";
    int ready[2], release[2];
    REQUIRE(pipe(ready) == 0);
    REQUIRE(pipe(release) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // Holds the lock until told to let go.
        close(ready[0]);
        close(release[1]);
        try {
            RunLock l(db);
            const char ok = 'y';
            (void)!write(ready[1], &ok, 1);
            char c;
            (void)!read(release[0], &c, 1);
        } catch (...) {
            _exit(1);
        }
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    CHECK(RunLock::is_held(db) == std::optional<bool>(true));

    // Released 50 ms from now: a run starting meanwhile waits for it instead of refusing,
    // as it must for a status probe, which holds the lock for an instant.
    const pid_t releaser = fork();
    REQUIRE(releaser >= 0);
    if (releaser == 0) {
        usleep(50 * 1000);
        const char go = 'g';
        (void)!write(release[1], &go, 1);
        _exit(0);
    }
    {
        RunLock mine(db);
        CHECK(RunLock::is_held(db) == std::optional<bool>(true));
    }
    close(release[1]);
    close(ready[0]);
    int status = 0;
    REQUIRE(waitpid(releaser, &status, 0) == releaser);
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
}
