// The per-database run lock: exclusive across processes, names its holder,
// released by the kernel when the holder is killed, removed on a clean exit.
#include "ksc/error.hpp"
#include "ksc/run_lock.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
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

TEST_CASE("run_lock: another process holding it is refused with its pid; kill -9 frees it") {
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
