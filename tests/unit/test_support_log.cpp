// The helper that runs keytool/openssl for the unit tests: ctest runs the test cases in
// parallel, so each process logs to its own file in the build tree, and a failure shows
// that process's output, not another test's.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

TEST_CASE("test support: a failed command shows its own output, logged per process in the build tree") {
    const std::string marker = "marker-" + std::to_string(::getpid());
    try {
        ksc::test::run("echo " + marker + "; exit 3");
        FAIL("a failing command did not throw");
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        CHECK(msg.find(marker) != std::string::npos);
        const auto at = msg.find("(log: ");
        REQUIRE(at != std::string::npos);
        const std::filesystem::path log = msg.substr(at + 6, msg.size() - at - 7);
        CHECK(log.filename().string().find(std::to_string(::getpid())) != std::string::npos);
        CHECK(log.parent_path().filename() == "test-logs");
        std::filesystem::remove(log);
    }
    CHECK(ksc::test::run("exit 5", false) == 5);
}
