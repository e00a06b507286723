// write_file_atomically: modes kept, backups made, and on any failure the
// original untouched with no temp file left behind.
#include "ksc/error.hpp"
#include "ksc/file_io.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

using namespace ksc;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// Names in a folder other than the expected ones (temp files would show up here).
std::vector<std::string> strays(const fs::path& dir, const std::vector<std::string>& expected) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string n = e.path().filename().string();
        if (std::find(expected.begin(), expected.end(), n) == expected.end()) out.push_back(n);
    }
    return out;
}

std::string error_of(const fs::path& file, std::string_view content, const fs::path& backup = {}) {
    try {
        write_file_atomically(file, content, backup);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    FAIL("no error writing " << file);
    return {};
}

}  // namespace

TEST_CASE("atomic: a new file gets the requested mode and content") {
    ksc::test::ScratchDir dir;
    write_file_atomically(dir / "new.toml", "a = 1\n");
    CHECK(ksc::test::slurp(dir / "new.toml") == "a = 1\n");
    CHECK(mode_of(dir / "new.toml") == 0600);
    write_file_atomically(dir / "other.toml", "", {}, fs::perms(0644));
    CHECK(mode_of(dir / "other.toml") == 0644);
    CHECK(ksc::test::slurp(dir / "other.toml").empty());
    CHECK(strays(dir.path(), {"new.toml", "other.toml"}).empty());
}

TEST_CASE("atomic: replacing keeps the original mode and makes a 0600 backup") {
    ksc::test::ScratchDir dir;
    const fs::path file = dir / "deployment.toml";
    const fs::path backup = dir / "deployment.toml.bak";
    ksc::test::write(file, "old content\n");
    fs::permissions(file, fs::perms(0640));
    ksc::test::write(backup, "an older backup\n");
    fs::permissions(backup, fs::perms(0644));

    write_file_atomically(file, "new content\n", backup);
    CHECK(ksc::test::slurp(file) == "new content\n");
    CHECK(mode_of(file) == 0640);
    CHECK(ksc::test::slurp(backup) == "old content\n");
    CHECK(mode_of(backup) == 0600);
    CHECK(strays(dir.path(), {"deployment.toml", "deployment.toml.bak"}).empty());

    // A large content goes through whole.
    const std::string big(3u << 20, 'x');
    write_file_atomically(file, big);
    CHECK(ksc::test::slurp(file) == big);
    CHECK(mode_of(file) == 0640);
}

TEST_CASE("atomic: a symlink is written through and survives") {
    ksc::test::ScratchDir dir;
    fs::create_directory(dir / "real");
    ksc::test::write(dir / "real" / "deployment.toml", "old\n");
    fs::permissions(dir / "real" / "deployment.toml", fs::perms(0604));
    fs::create_symlink("real/deployment.toml", dir / "link.toml");

    write_file_atomically(dir / "link.toml", "new\n");
    CHECK(fs::is_symlink(dir / "link.toml"));
    CHECK(ksc::test::slurp(dir / "real" / "deployment.toml") == "new\n");
    CHECK(mode_of(dir / "real" / "deployment.toml") == 0604);
    CHECK(strays(dir / "real", {"deployment.toml"}).empty());
}

TEST_CASE("atomic: failures leave the original untouched and no temp file") {
    ksc::test::ScratchDir dir;
    SUBCASE("the target is a folder") {
        fs::create_directory(dir / "deployment.toml");
        const std::string m = error_of(dir / "deployment.toml", "x");
        CHECK(m.find("is a folder") != std::string::npos);
        CHECK(fs::is_directory(dir / "deployment.toml"));
        CHECK(strays(dir.path(), {"deployment.toml"}).empty());
    }
    SUBCASE("the parent is a regular file") {
        ksc::test::write(dir / "plain", "p\n");
        const std::string m = error_of(dir / "plain" / "deployment.toml", "x");
        CHECK(m.find("Not a directory") != std::string::npos);
        CHECK(ksc::test::slurp(dir / "plain") == "p\n");
    }
    SUBCASE("the folder is read-only (unless we are root, whom chmod does not stop)") {
        if (::geteuid() == 0) return;
        fs::create_directory(dir / "ro");
        ksc::test::write(dir / "ro" / "deployment.toml", "old\n");
        fs::permissions(dir / "ro", fs::perms(0500));
        const std::string m = error_of(dir / "ro" / "deployment.toml", "new\n", dir / "ro" / "deployment.toml.bak");
        fs::permissions(dir / "ro", fs::perms(0700));
        CHECK(m.find("Permission denied") != std::string::npos);
        CHECK(m.find("ro/deployment.toml") != std::string::npos);
        CHECK(ksc::test::slurp(dir / "ro" / "deployment.toml") == "old\n");
        CHECK(strays(dir / "ro", {"deployment.toml"}).empty());
    }
    SUBCASE("the disk fills up mid-write (RLIMIT_FSIZE in a child process)") {
        const fs::path file = dir / "deployment.toml";
        const fs::path backup = dir / "deployment.toml.bak";
        ksc::test::write(file, "original content\n");
        fs::permissions(file, fs::perms(0640));
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            // Child: no doctest here, only an exit code. The programs' signal set-up ignores
            // SIGXFSZ, so write() fails with EFBIG instead of killing the process.
            end_cleanly_on_signals();
            const rlimit limit{1u << 16, 1u << 16};
            if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(10);
            try {
                write_file_atomically(file, std::string(1u << 20, 'n'), backup);
            } catch (const Error& e) {
                const std::string m = e.what();
                ::_exit(m.find("File too large") != std::string::npos && m.find("deployment.toml") != std::string::npos
                            ? 0 : 11);
            } catch (...) {
                ::_exit(12);
            }
            ::_exit(13);
        }
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        CHECK(ksc::test::slurp(file) == "original content\n");
        CHECK(mode_of(file) == 0640);
        // The backup was written first and is complete.
        CHECK(ksc::test::slurp(backup) == "original content\n");
        CHECK(strays(dir.path(), {"deployment.toml", "deployment.toml.bak"}).empty());
    }
}

TEST_CASE("atomic: a signal that ends the process while the temp file is written removes it") {
    ksc::test::ScratchDir dir;
    const fs::path file = dir / "deployment.toml";
    ksc::test::write(file, "original content\n");
    bool caught = false;
    // The temp file lives while the content is written and synced; a big content keeps
    // it long enough to be seen. Should a write still win the race, try a bigger one.
    for (size_t size = size_t{1} << 27; !caught && size <= (size_t{1} << 30); size <<= 1) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            end_cleanly_on_signals();
            try {
                write_file_atomically(file, std::string(size, 'n'));
            } catch (...) {
                ::_exit(12);
            }
            ::_exit(0);
        }
        int status = 0;
        for (;;) {
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            REQUIRE(done >= 0);
            if (done == pid) break;
            if (!strays(dir.path(), {"deployment.toml"}).empty()) {
                ::kill(pid, SIGTERM);
                REQUIRE(::waitpid(pid, &status, 0) == pid);
                caught = true;
                break;
            }
            ::usleep(500);
        }
        if (caught) {
            // Ended by the signal itself (its default action), not by an exit.
            REQUIRE(WIFSIGNALED(status));
            CHECK(WTERMSIG(status) == SIGTERM);
            CHECK(ksc::test::slurp(file) == "original content\n");
        } else {
            REQUIRE(WIFEXITED(status));
            REQUIRE(WEXITSTATUS(status) == 0);
            ksc::test::write(file, "original content\n");
        }
        CHECK(strays(dir.path(), {"deployment.toml"}).empty());
    }
    CHECK(caught);
}
