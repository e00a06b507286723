// Naming a database on the command line: a SQLite path, or a server URL that never
// carries a password (it would sit in the process list and shell history).
#include "ksc/database.hpp"
#include "ksc/error.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace ksc;

namespace {

std::string usage_message(const std::string& text) {
    try {
        (void)parse_database_address(text);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::usage) return e.what();
        return "wrong kind: " + std::string(e.what());
    }
    return "accepted";
}

}  // namespace

TEST_CASE("database address: a path is SQLite, a URL names a server") {
    const auto f = parse_database_address("repository/database/WSO2AM_DB.db");
    CHECK(f.kind == DatabaseAddress::Kind::sqlite);
    CHECK(f.file == "repository/database/WSO2AM_DB.db");
    CHECK(f.display() == "repository/database/WSO2AM_DB.db");

    const auto pg = parse_database_address("postgresql://apimadmin@db.example.com:5433/apim_db?sslmode=require&connect_timeout=3");
    CHECK(pg.kind == DatabaseAddress::Kind::postgresql);
    CHECK(pg.user == "apimadmin");
    CHECK(pg.host == "db.example.com");
    CHECK(pg.port == 5433);
    CHECK(pg.database == "apim_db");
    CHECK(pg.options == std::vector<std::pair<std::string, std::string>>{{"sslmode", "require"}, {"connect_timeout", "3"}});
    CHECK(pg.display() == "postgresql://apimadmin@db.example.com:5433/apim_db");

    const auto short_form = parse_database_address("postgres://h/d%5Fb");
    CHECK(short_form.kind == DatabaseAddress::Kind::postgresql);
    CHECK(short_form.user.empty());
    CHECK(short_form.port == 0);
    CHECK(short_form.database == "d_b");
    CHECK(short_form.display() == "postgresql://h/d_b");
    CHECK(parse_database_address("MySQL://u@h:3306/apim_db").kind == DatabaseAddress::Kind::mysql);
    CHECK(parse_database_address("mariadb://u@h/apim_db").kind == DatabaseAddress::Kind::mysql);
    CHECK(parse_database_address("postgresql://u@/apim_db").host == "localhost");
}

TEST_CASE("database address: a password in the URL is refused without echoing it") {
    for (const std::string url : {"postgresql://apimadmin:s3cret@h/apim_db", "mysql://u:s3cret@h:3306/apim_db",
                                  "postgresql://u@h/apim_db?password=s3cret"}) {
        const std::string m = usage_message(url);
        CHECK(m.find("password in the URL is refused") != std::string::npos);
        CHECK(m.find("s3cret") == std::string::npos);
    }
}

TEST_CASE("database address: malformed URLs are usage errors") {
    CHECK(usage_message("postgresql://h") .find("names no database") != std::string::npos);
    CHECK(usage_message("postgresql://h/") .find("names no database") != std::string::npos);
    CHECK(usage_message("postgresql://h:99999/db").find("bad port") != std::string::npos);
    CHECK(usage_message("postgresql://h:x/db").find("bad port") != std::string::npos);
    CHECK(usage_message("oracle://h/db").find("unknown database kind") != std::string::npos);
    CHECK(usage_message("postgresql://h/d%zz").find("bad %-escape") != std::string::npos);
    CHECK(usage_message("").find("empty") != std::string::npos);
}

TEST_CASE("database address: a server that cannot be reached is an input error naming it") {
    try {
        (void)open_database(parse_database_address("mysql://u@127.0.0.1:1/apim_db"), Database::Mode::read_only);
        FAIL("opened a database on port 1");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("mysql://u@127.0.0.1:1/apim_db") != std::string::npos);
    }
}
