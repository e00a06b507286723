// Targets files and the built-in profile, row by row (README.md "Targets: what ksmigrate migrates").
#include "ksc/error.hpp"
#include "ksc/targets.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace ksc;

namespace {

// The message of the ksc::Error parse_targets throws, checking its kind.
std::string parse_error(const std::string& toml, ErrorKind expected = ErrorKind::input) {
    try {
        parse_targets(toml, "t.toml");
    } catch (const Error& e) {
        CHECK(e.kind() == expected);
        return e.what();
    }
    FAIL("parsed: " << toml);
    return {};
}

const Target* find(const std::vector<Target>& ts, const std::string& name) {
    for (const auto& t : ts)
        if (t.name() == name) return &t;
    return nullptr;
}

}  // namespace

TEST_CASE("targets: the documented example parses with defaults") {
    const auto ts = parse_targets(R"(
[[target]]
table = "IDN_OAUTH_CONSUMER_APPS"
column = "CONSUMER_SECRET"
key = ["ID"]
where = "1 = 1"
kind = "value"

[[target]]
table = "AUDIT"
column = "TOKEN"

[[target]]
table = "AM_KEY_MANAGER"
column = "CONFIGURATION"
key = ["UUID", "TENANT$ID"]
kind = "json-encrypted-values"
)",
                                  "t.toml");
    REQUIRE(ts.size() == 3);
    CHECK(ts[0].name() == "IDN_OAUTH_CONSUMER_APPS.CONSUMER_SECRET");
    CHECK(ts[0].key == std::vector<std::string>{"ID"});
    CHECK(ts[0].where == "1 = 1");
    CHECK(ts[0].kind == TargetKind::value);
    CHECK(ts[1].key.empty());  // rowid
    CHECK(ts[1].where.empty());
    CHECK(ts[1].kind == TargetKind::value);
    CHECK(ts[2].key == std::vector<std::string>{"UUID", "TENANT$ID"});
    CHECK(ts[2].kind == TargetKind::json_encrypted_values);
}

TEST_CASE("targets: bad entries are input errors naming the file and entry number") {
    const std::string ok = "[[target]]\ntable = \"A\"\ncolumn = \"B\"\n";
    auto msg = parse_error(ok + "[[target]]\ntable = \"C\"\ncolumn = \"D\"\nkind = \"aes\"\n");
    CHECK(msg.find("t.toml") != std::string::npos);
    CHECK(msg.find("target #2") != std::string::npos);
    CHECK(msg.find("aes") != std::string::npos);

    msg = parse_error(ok + "[[target]]\ntable = \"C\"\ncolumn = \"D\"\ncolumns = \"E\"\n");
    CHECK(msg.find("target #2") != std::string::npos);
    CHECK(msg.find("unknown field 'columns'") != std::string::npos);

    CHECK(parse_error("[[target]]\ntable = \"A\"\n").find("missing field 'column'") != std::string::npos);
    CHECK(parse_error("[[target]]\ncolumn = \"A\"\n").find("missing field 'table'") != std::string::npos);
    CHECK(parse_error(ok + "key = \"ID\"\n").find("'key'") != std::string::npos);
    CHECK(parse_error(ok + "key = [1]\n").find("'key'") != std::string::npos);
    CHECK(parse_error(ok + "where = 1\n").find("'where'") != std::string::npos);
    CHECK(parse_error("").find("no [[target]]") != std::string::npos);
    CHECK(parse_error("profile = \"x\"\n").find("unknown top-level key") != std::string::npos);
    CHECK(parse_error("[[target]\n").find("not valid TOML") != std::string::npos);
    CHECK(parse_error(ok + ok).find("repeats A.B (target #1)") != std::string::npos);
}

TEST_CASE("targets: identifiers must be plain SQL identifiers") {
    for (const char* bad : {"1ABC", "A-B", "A B", "A\"B", "T;DROP", "", "A.B", "caf\xc3\xa9"}) {
        CAPTURE(bad);
        const std::string esc = std::string(bad) == "A\"B" ? "A\\\"B" : bad;
        CHECK(parse_error("[[target]]\ntable = \"" + esc + "\"\ncolumn = \"C\"\n").find("target #1") !=
              std::string::npos);
        CHECK(parse_error("[[target]]\ntable = \"T\"\ncolumn = \"" + esc + "\"\n").find("not a plain SQL") !=
              std::string::npos);
        CHECK(parse_error("[[target]]\ntable = \"T\"\ncolumn = \"C\"\nkey = [\"" + esc + "\"]\n")
                  .find("not a plain SQL") != std::string::npos);
    }
    for (const char* good : {"_a", "A1", "a$b", "REG_TENANT_ID"}) {
        CAPTURE(good);
        CHECK_NOTHROW(parse_targets("[[target]]\ntable = \"" + std::string(good) + "\"\ncolumn = \"C\"\n", "t"));
    }
}

TEST_CASE("targets: load_targets_file reads a file and names a missing one") {
    ksc::test::ScratchDir dir;
    ksc::test::write(dir / "t.toml", "[[target]]\ntable = \"A\"\ncolumn = \"B\"\n");
    CHECK(load_targets_file(dir / "t.toml").size() == 1);
    try {
        load_targets_file(dir / "none.toml");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("none.toml") != std::string::npos);
    }
}

TEST_CASE("targets: builtin profile wso2-apim-4 is the product's encrypted columns, one target per column") {
    const auto ts = builtin_profile("wso2-apim-4");
    CHECK(ts.size() == 12);
    using K = std::vector<std::string>;
    struct Want {
        K key;
        std::string where;
        TargetKind kind = TargetKind::value;
    };
    const std::map<std::string, Want> want = {
        {"IDN_OAUTH_CONSUMER_APPS.CONSUMER_SECRET", {K{"ID"}, ""}},
        {"IDN_OAUTH2_ACCESS_TOKEN.ACCESS_TOKEN", {K{"TOKEN_ID"}, ""}},
        {"IDN_OAUTH2_ACCESS_TOKEN.REFRESH_TOKEN", {K{"TOKEN_ID"}, ""}},
        {"IDN_OAUTH2_ACCESS_TOKEN_AUDIT.ACCESS_TOKEN", {K{}, ""}},
        {"IDN_OAUTH2_ACCESS_TOKEN_AUDIT.REFRESH_TOKEN", {K{}, ""}},
        {"IDN_OAUTH2_AUTHORIZATION_CODE.AUTHORIZATION_CODE", {K{"CODE_ID"}, ""}},
        {"IDN_IDENTITY_USER_DATA.DATA_VALUE",
         {K{"TENANT_ID", "USER_NAME", "DATA_KEY"},
          "DATA_KEY IN ('http://wso2.org/claims/identity/secretkey', "
          "'http://wso2.org/claims/identity/verifySecretkey')"}},
        {"WF_BPS_PROFILE.PASSWORD", {K{"PROFILE_NAME", "TENANT_ID"}, ""}},
        {"IDN_SECRET.SECRET_VALUE", {K{"ID"}, ""}},
        {"IDP_AUTHENTICATOR_PROPERTY.PROPERTY_VALUE", {K{"ID"}, "IS_SECRET = '1'"}},
        {"REG_PROPERTY.REG_VALUE",
         {K{"REG_ID", "REG_TENANT_ID"},
          "REG_NAME IN ('password', 'privatekeyPass', 'subscriberPassword', 'service.principal.password')"}},
        {"AM_KEY_MANAGER.CONFIGURATION", {K{"UUID"}, "", TargetKind::json_encrypted_values}},
    };
    for (const auto& [name, w] : want) {
        CAPTURE(name);
        const Target* t = find(ts, name);
        REQUIRE(t != nullptr);
        CHECK(t->key == w.key);
        CHECK(t->where == w.where);
        CHECK(t->kind == w.kind);
    }
}

TEST_CASE("targets: an unknown profile is a usage error listing the known ones") {
    try {
        builtin_profile("wso2-is-7");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("wso2-is-7") != std::string::npos);
        CHECK(std::string(e.what()).find("wso2-apim-4") != std::string::npos);
    }
}
