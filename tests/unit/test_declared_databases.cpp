// The databases deployment.toml declares: [database.*] tables as WSO2 writes them
// (JDBC URLs with &amp;, $secret{} passwords), and the types ksmigrate cannot reach.
#include "database_set.hpp"
#include "declared_databases.hpp"

#include "ksc/error.hpp"
#include "ksc/migration.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace ksc;

namespace {

DeploymentConfig config(const std::string& text) { return DeploymentConfig::parse(text, "deployment.toml", "/opt/wso2am"); }

DatabaseSettings settings(std::string type, std::string url) {
    DatabaseSettings d;
    d.name = "apim_db";
    d.type = std::move(type);
    d.url = std::move(url);
    return d;
}

std::string input_error(const DatabaseSettings& d) {
    try {
        (void)detail::jdbc_address(d);
    } catch (const Error& e) {
        return e.kind() == ErrorKind::input ? e.what() : "wrong kind";
    }
    return "accepted";
}

}  // namespace

TEST_CASE("declared databases: [database.*] tables as API-M's samples write them") {
    const auto c = config(R"(
[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db.example.com:3306/apim_db?useSSL=false&amp;allowPublicKeyRetrieval=true"
username = "apimadmin"
password = "$secret{apim_db_password}"
driver = "com.mysql.cj.jdbc.Driver"
[database.apim_db.pool_options]
maxActive = 100

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://pg.example.com/shared_db?sslmode=require&amp;ApplicationName=apim"
username = "shared"
password = "literal-pw"

[database.config]
pool_options = { maxActive = 5 }
)");
    REQUIRE(c.databases.size() == 2);  // by name; [database.config] names no database
    const DatabaseSettings& apim = c.databases[0];
    CHECK(apim.name == "apim_db");
    CHECK(apim.url == "jdbc:mysql://db.example.com:3306/apim_db?useSSL=false&allowPublicKeyRetrieval=true");
    CHECK(apim.password.text() == "$secret{apim_db_password}");

    std::vector<std::string> asked;
    const auto d = detail::declared_databases(c, [&](const std::string& alias) {
        asked.push_back(alias);
        return Password(std::string_view("from-secrets"));
    });
    CHECK(asked == std::vector<std::string>{"apim_db_password"});
    REQUIRE(d.addresses.size() == 2);
    CHECK(d.addresses[0].display() == "mysql://apimadmin@db.example.com:3306/apim_db");
    CHECK(d.addresses[0].options == std::vector<std::pair<std::string, std::string>>{{"useSSL", "false"}});
    CHECK(d.addresses[1].display() == "postgresql://shared@pg.example.com/shared_db");
    CHECK(d.addresses[1].options == std::vector<std::pair<std::string, std::string>>{{"sslmode", "require"}});
    CHECK(d.names == std::vector<std::string>{"apim_db", "shared_db"});
    REQUIRE(d.credentials.for_database(d.addresses[0]));
    CHECK(*d.credentials.for_database(d.addresses[0]) == Password(std::string_view("from-secrets")));
    CHECK(*d.credentials.for_database(d.addresses[1]) == Password(std::string_view("literal-pw")));
}

TEST_CASE("declared databases: two names for one database are used once") {
    const auto c = config(R"(
[database.apim_db]
url = "jdbc:postgresql://h:5432/apim"
username = "u"
[database.shared_db]
url = "jdbc:postgresql://h:5432/apim"
username = "u"
)");
    const auto d = detail::declared_databases(c, [](const std::string&) -> Password { FAIL("no secret asked"); return {}; });
    CHECK(d.addresses.size() == 1);
    CHECK_FALSE(d.credentials.for_database(d.addresses[0]));
}

TEST_CASE("declared databases: H2, MSSQL, Oracle and unknown URLs are named, not guessed") {
    CHECK(input_error(settings("h2", "jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"))
              .find("[database.apim_db] is an H2 database") != std::string::npos);
    CHECK(input_error(settings("mssql", "jdbc:sqlserver://h:1433;databaseName=apim_db")).find("Microsoft SQL Server") !=
          std::string::npos);
    CHECK(input_error(settings("oracle", "jdbc:oracle:thin:@h:1521/orcl")).find("Oracle") != std::string::npos);
    CHECK(input_error(settings("", "jdbc:foo://h/db")).find("not a JDBC URL ksmigrate knows") != std::string::npos);
    CHECK(input_error(settings("", "jdbc:postgresql://h1,h2/db")).find("several hosts") != std::string::npos);
}

TEST_CASE("declared databases: each target is looked for where WSO2 keeps it") {
    ksc::test::ScratchDir dir;
    auto make = [&](const char* file, const char* sql) {
        ksc::test::write(dir / file, "");
        ksc::test::open_sqlite(dir / file, Database::Mode::read_write)->exec(sql);
        return parse_database_address((dir / file).string());
    };
    MigrationSettings s;
    // apim_db also holds a REG_PROPERTY table (a leftover copy): not the product's registry.
    s.databases = {make("apim.db", "CREATE TABLE IDN_SECRET(ID TEXT PRIMARY KEY, SECRET_VALUE TEXT);"
                                   "CREATE TABLE REG_PROPERTY(REG_ID INTEGER, REG_TENANT_ID INTEGER, REG_VALUE TEXT,"
                                   " PRIMARY KEY (REG_ID, REG_TENANT_ID));"),
                   make("shared.db", "CREATE TABLE REG_PROPERTY(REG_ID INTEGER, REG_TENANT_ID INTEGER, REG_VALUE TEXT,"
                                     " PRIMARY KEY (REG_ID, REG_TENANT_ID));")};
    s.database_names = {"apim_db", "shared_db"};
    s.targets = {Target{"IDN_SECRET", "SECRET_VALUE", {"ID"}, "", TargetKind::value},
                 Target{"REG_PROPERTY", "REG_VALUE", {"REG_ID", "REG_TENANT_ID"}, "", TargetKind::value},
                 Target{"IDN_OAUTH_CONSUMER_APPS", "CONSUMER_SECRET", {"ID"}, "", TargetKind::value}};
    const detail::DatabaseSet set(s, Database::Mode::read_only);
    REQUIRE(set.placements.size() == 2);
    CHECK(set.placements[0].db->name() == s.databases[0].display());
    CHECK(set.placements[1].target->table == "REG_PROPERTY");
    CHECK(set.placements[1].db->name() == s.databases[1].display());
    REQUIRE(set.unscannable.size() == 1);
    REQUIRE_FALSE(set.unscannable[0].scan_problems.empty());
    CHECK(set.unscannable[0].scan_problems[0] ==
          "table IDN_OAUTH_CONSUMER_APPS does not exist in apim_db (" + s.databases[0].display() + ")");

    // With --db (no names) every target is looked for in every database: both REG_PROPERTY tables.
    s.database_names.clear();
    const detail::DatabaseSet any(s, Database::Mode::read_only);
    CHECK(any.placements.size() == 3);
}
