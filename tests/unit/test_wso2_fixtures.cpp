// The tests that read the real WSO2 files of ../shared/fixtures/wso2 (test suite
// "wso2-fixtures") are skipped, not passed, in a clone without that folder: their
// doctest::skip decorator is decided when the binary starts. This test says so once,
// since a skipped test prints nothing. List them with:
//     ksc_unit -ts=wso2-fixtures --no-skip --list-test-cases
#include "test_support.hpp"

#include <doctest/doctest.h>

TEST_CASE("wso2 fixtures: without ../shared/fixtures the tests that need them are skipped") {
    if (!ksc::test::wso2_fixtures().empty()) return;  // present: the suite runs
    MESSAGE("skipped: the tests of suite wso2-fixtures (no ../shared/fixtures); "
            "list them with ksc_unit -ts=wso2-fixtures --no-skip --list-test-cases");
}
