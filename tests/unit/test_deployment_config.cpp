// DeploymentConfig: the product's keystore defaults and fallbacks, placeholders,
// [secrets] and $secret{} references.
#include "ksc/deployment_config.hpp"
#include "ksc/error.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace ksc;

namespace {

const std::filesystem::path home = "/opt/wso2am";
const std::filesystem::path sec = "/opt/wso2am/repository/resources/security";

// A secret's text, for comparing with what the test wrote.
std::optional<std::string> text_of(const std::optional<Password>& p) {
    return p ? std::optional<std::string>(p->text()) : std::nullopt;
}

DeploymentConfig parse(const std::string& text) {
    return DeploymentConfig::parse(text, deployment_toml_path(home), home);
}

std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    FAIL("no error for: " << text);
    return {};
}

void check_default_keystore(const KeystoreSettings& s) {
    CHECK(s.file == sec / "wso2carbon.jks");
    CHECK(s.file_name == "wso2carbon.jks");
    CHECK(s.type == "JKS");
    CHECK(s.alias == "wso2carbon");
    CHECK(text_of(s.password) == std::optional<std::string>("wso2carbon"));
    CHECK(text_of(s.key_password) == std::optional<std::string>("wso2carbon"));
}

}  // namespace

TEST_CASE("config: paths of a home") {
    CHECK(deployment_toml_path("/h") == std::filesystem::path("/h/repository/conf/deployment.toml"));
    CHECK(security_dir("/h") == std::filesystem::path("/h/repository/resources/security"));
}

TEST_CASE("config: absent tables give the product defaults") {
    const DeploymentConfig c = parse("[server]\nhostname = \"localhost\"\n");
    check_default_keystore(c.primary);
    check_default_keystore(c.internal);
    check_default_keystore(c.tls);
    CHECK_FALSE(c.internal_configured);
    CHECK(c.primary.table == "keystore.primary");
    CHECK(c.internal.table == "keystore.internal");
    CHECK(c.tls.table == "keystore.tls");
    CHECK(c.truststore.table == "truststore");
    CHECK(c.truststore.file == sec / "client-truststore.jks");
    CHECK(c.truststore.type == "JKS");
    CHECK(text_of(c.truststore.password) == std::optional<std::string>("wso2carbon"));
    CHECK(c.secrets.empty());
    CHECK(c.secret_references.empty());
    CHECK(c.file == deployment_toml_path(home));
    CHECK(c.home == home);
}

TEST_CASE("config: internal and tls fall back to primary field by field") {
    const std::string primary =
        "[keystore.primary]\nfile_name = \"primary.p12\"\ntype = \"PKCS12\"\npassword = \"pp\"\n"
        "alias = \"prim\"\nkey_password = \"kp\"\n";
    SUBCASE("internal with only file_name") {
        const DeploymentConfig c = parse(primary + "[keystore.internal]\nfile_name = \"internal.p12\"\n");
        CHECK(c.internal_configured);
        CHECK(c.internal.file == sec / "internal.p12");
        CHECK(c.internal.alias == "prim");
        CHECK(c.internal.type == "PKCS12");
        CHECK(text_of(c.internal.password) == std::optional<std::string>("pp"));
        CHECK(text_of(c.internal.key_password) == std::optional<std::string>("kp"));
        CHECK(c.primary.file == sec / "primary.p12");
    }
    SUBCASE("internal without file_name is not configured but keeps its own fields") {
        const DeploymentConfig c = parse(primary + "[keystore.internal]\nalias = \"other\"\n");
        CHECK_FALSE(c.internal_configured);
        CHECK(c.internal.file == sec / "primary.p12");
        CHECK(c.internal.alias == "other");
    }
    SUBCASE("tls is the secondary keystore: missing fields come from primary") {
        const DeploymentConfig c = parse(primary + "[keystore.tls]\nalias = \"tls\"\n");
        CHECK(c.tls.file == sec / "primary.p12");
        CHECK(c.tls.type == "PKCS12");
        CHECK(c.tls.alias == "tls");
        CHECK(text_of(c.tls.password) == std::optional<std::string>("pp"));
        CHECK(c.internal.file == sec / "primary.p12");
    }
    SUBCASE("primary with only file_name keeps the other defaults") {
        const DeploymentConfig c = parse("[keystore.primary]\nfile_name = \"/etc/ks/abs.jks\"\n");
        CHECK(c.primary.file == std::filesystem::path("/etc/ks/abs.jks"));
        CHECK(c.primary.alias == "wso2carbon");
        CHECK(text_of(c.primary.password) == std::optional<std::string>("wso2carbon"));
        CHECK(c.internal.file == std::filesystem::path("/etc/ks/abs.jks"));
    }
}

TEST_CASE("config: placeholders in keystore values") {
    ::setenv("KSC_TEST_KS_DIR", "/srv/keys", 1);
    ::setenv("KSC_TEST_KS_PW", "s3cr3t", 1);
    ::unsetenv("KSC_TEST_UNSET_VAR");
    SUBCASE("$env{} anywhere in a value") {
        const DeploymentConfig c = parse(
            "[keystore.primary]\nfile_name = \"$env{KSC_TEST_KS_DIR}/p.jks\"\npassword = \"pre-$env{KSC_TEST_KS_PW}-post\"\n"
            "key_password = \"$env{KSC_TEST_UNSET_VAR}\"\n");
        CHECK(c.primary.file == std::filesystem::path("/srv/keys/p.jks"));
        CHECK(c.primary.file_name == "/srv/keys/p.jks");
        CHECK(text_of(c.primary.password) == std::optional<std::string>("pre-s3cr3t-post"));
        CHECK(c.primary.password_raw.text() == "pre-$env{KSC_TEST_KS_PW}-post");
        CHECK_FALSE(c.primary.key_password.has_value());
        CHECK(c.primary.key_password_raw.text() == "$env{KSC_TEST_UNSET_VAR}");
    }
    SUBCASE("$secret{} and $sys{} passwords must be asked for") {
        const DeploymentConfig c = parse(
            "[keystore.primary]\npassword = \"$secret{keystore_password}\"\nkey_password = \"$sys{ks.pw}\"\n"
            "[secrets]\nkeystore_password = \"[wso2carbon]\"\n");
        CHECK_FALSE(c.primary.password.has_value());
        CHECK(c.primary.password_raw.text() == "$secret{keystore_password}");
        CHECK_FALSE(c.primary.key_password.has_value());
        CHECK_FALSE(c.internal.password.has_value());  // inherited as unknown, not as a default
        CHECK(c.secret_references == std::vector<std::string>{"keystore_password"});
    }
    SUBCASE("${carbon.home} is the home we were given") {
        const DeploymentConfig c = parse("[keystore.internal]\nfile_name = \"${carbon.home}/keys/i.jks\"\n");
        CHECK(c.internal.file == std::filesystem::path("/opt/wso2am/keys/i.jks"));
    }
    SUBCASE("an unset variable in file_name is an error naming it and the line") {
        const std::string m = error_of("[server]\n[keystore.primary]\nfile_name = \"$env{KSC_TEST_UNSET_VAR}/p.jks\"\n");
        CHECK(m.find("KSC_TEST_UNSET_VAR") != std::string::npos);
        CHECK(m.find("deployment.toml:3:") != std::string::npos);
    }
    SUBCASE("a lone dollar or brace is literal") {
        const DeploymentConfig c = parse("[keystore.primary]\npassword = \"pa$$w{rd}$env{\"\n");
        CHECK(text_of(c.primary.password) == std::optional<std::string>("pa$$w{rd}$env{"));
    }
}

TEST_CASE("config: [secrets] values and $secret{} references everywhere, in file order") {
    const DeploymentConfig c = parse(
        "[super_admin]\npassword = \"$secret{admin_password}\"\n"
        "[secrets]\nadmin_password = \"[admin]\"\n\"ü✓\" = 'J4x=='\n"
        "[[apim.gateway.environment]]\nname = \"Default\"\npassword = \"$secret{gw_password}\"\n"
        "[database.apim_db]\nurls = [\"a\", \"x$secret{in_array}y\", {pw = \"$secret{in_inline}\"}]\n"
        "dup = \"$secret{admin_password}\"\n");
    CHECK(c.secrets.size() == 2);
    CHECK(c.secrets.at("admin_password").text() == "[admin]");
    CHECK(c.secrets.at("ü✓").text() == "J4x==");
    CHECK(c.secret_references ==
          std::vector<std::string>{"admin_password", "gw_password", "in_array", "in_inline"});
}

TEST_CASE("config: malformed files are input errors with line and column") {
    CHECK(error_of("[server]\nhostname = \n").find("deployment.toml:2:") != std::string::npos);
    CHECK(error_of("[keystore.primary]\npassword = 123\n").find("deployment.toml:2:") != std::string::npos);
    CHECK(error_of("[keystore]\nprimary = \"x\"\n").find("keystore.primary") != std::string::npos);
    CHECK(error_of("[keystore.primary]\nfile_name = \"\"\n").find("empty") != std::string::npos);
    CHECK(error_of("[secrets]\na = [\"[x]\"]\n").find("deployment.toml:2:1:") != std::string::npos);
}

TEST_CASE("config: the real default deployment.toml and one like it on disk") {
    ksc::test::ScratchDir dir;
    const std::filesystem::path h = dir.path();
    std::filesystem::create_directories(h / "repository" / "conf");
    const auto fixtures = ksc::test::wso2_fixtures();
    if (fixtures.empty())
        MESSAGE("skipped: the real default deployment.toml (no ../shared/fixtures); one of the same shape instead");
    const std::string text =
        fixtures.empty()
            ? std::string("[server]\nhostname = \"localhost\"\n[keystore.tls]\nfile_name =  \"wso2carbon.jks\"\n"
                          "type =  \"JKS\"\npassword =  \"wso2carbon\"\nalias =  \"wso2carbon\"\n"
                          "key_password =  \"wso2carbon\"\n#[keystore.primary]\n#file_name = \"x.jks\"\n")
            : ksc::test::slurp(fixtures / "deployment.toml");
    ksc::test::write(deployment_toml_path(h), text);

    const DeploymentConfig c = DeploymentConfig::load(deployment_toml_path(h), h);
    CHECK(c.primary.file == security_dir(h) / "wso2carbon.jks");
    CHECK(c.tls.file == security_dir(h) / "wso2carbon.jks");
    CHECK(text_of(c.tls.password) == std::optional<std::string>("wso2carbon"));
    CHECK_FALSE(c.internal_configured);
    CHECK(c.secrets.empty());

    try {
        DeploymentConfig::load(h / "missing.toml", h);
        FAIL("no error for a missing file");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("missing.toml") != std::string::npos);
    }
}

TEST_CASE("config: a table's own password is its key password when it has no key_password line") {
    const std::string primary_both =
        "[keystore.primary]\nfile_name = \"p.jks\"\npassword = \"pp\"\nkey_password = \"kp\"\n";
    SUBCASE("primary with password only: not the default wso2carbon") {
        const DeploymentConfig c = parse("[keystore.primary]\nfile_name = \"p.jks\"\npassword = \"storepw\"\n");
        CHECK(text_of(c.primary.key_password) == std::optional<std::string>("storepw"));
        CHECK(c.primary.key_password_raw.text() == "storepw");
        // internal and tls inherit both of primary's fields
        CHECK(text_of(c.internal.key_password) == std::optional<std::string>("storepw"));
        CHECK(text_of(c.tls.key_password) == std::optional<std::string>("storepw"));
    }
    SUBCASE("internal with its own password only: not primary's key_password") {
        const DeploymentConfig c =
            parse(primary_both + "[keystore.internal]\nfile_name = \"i.p12\"\npassword = \"ip\"\n");
        CHECK(text_of(c.internal.password) == std::optional<std::string>("ip"));
        CHECK(text_of(c.internal.key_password) == std::optional<std::string>("ip"));
        CHECK(c.internal.key_password_raw.text() == "ip");
        CHECK(text_of(c.primary.key_password) == std::optional<std::string>("kp"));
    }
    SUBCASE("tls with its own password only") {
        const DeploymentConfig c = parse(primary_both + "[keystore.tls]\nfile_name = \"t.jks\"\npassword = \"tp\"\n");
        CHECK(text_of(c.tls.key_password) == std::optional<std::string>("tp"));
    }
    SUBCASE("a table without a password line still inherits primary's key_password") {
        const DeploymentConfig c = parse(primary_both + "[keystore.internal]\nfile_name = \"i.jks\"\n");
        CHECK(text_of(c.internal.password) == std::optional<std::string>("pp"));
        CHECK(text_of(c.internal.key_password) == std::optional<std::string>("kp"));
    }
    SUBCASE("an explicit key_password still wins") {
        const DeploymentConfig c =
            parse(primary_both + "[keystore.internal]\nfile_name = \"i.jks\"\npassword = \"ip\"\nkey_password = \"ik\"\n");
        CHECK(text_of(c.internal.key_password) == std::optional<std::string>("ik"));
    }
    SUBCASE("a password that must be asked for leaves the key password to be asked for too") {
        const DeploymentConfig c = parse(primary_both + "[keystore.internal]\nfile_name = \"i.jks\"\n"
                                                        "password = \"$secret{internal_pw}\"\n");
        CHECK_FALSE(c.internal.password.has_value());
        CHECK_FALSE(c.internal.key_password.has_value());  // not primary's "kp"
        CHECK(c.internal.key_password_raw.text() == "$secret{internal_pw}");
        CHECK(c.internal.key_password_problem == c.internal.password_problem);
    }
}

TEST_CASE("config: an unusable password names its placeholder, never the text around it") {
    ::unsetenv("KSC_TEST_UNSET_PW");
    const DeploymentConfig c = parse(
        "[keystore.primary]\npassword = \"MyS3cretPart$sys{foo}\"\n"
        "[keystore.internal]\nfile_name = \"i.jks\"\npassword = \"Top-S3cret-$secret{ks_pw}\"\n"
        "[keystore.tls]\npassword = \"Env-S3cret-$env{KSC_TEST_UNSET_PW}\"\n");
    CHECK_FALSE(c.primary.password.has_value());
    CHECK(c.primary.password_problem.find("$sys{foo}") != std::string::npos);
    CHECK(c.internal.password_problem.find("$secret{ks_pw}") != std::string::npos);
    CHECK(c.tls.password_problem.find("KSC_TEST_UNSET_PW") != std::string::npos);
    for (const KeystoreSettings* s : {&c.primary, &c.internal, &c.tls}) {
        CHECK(s->password_problem.find("S3cret") == std::string::npos);
        CHECK(s->key_password_problem.find("S3cret") == std::string::npos);
    }
    // A literal (or resolved) password has no problem.
    CHECK(parse("[keystore.primary]\npassword = \"plain\"\n").primary.password_problem.empty());
}

TEST_CASE("config: [encryption] key and old_key, with $env{} resolved and $secret{} named, never printed") {
    const DeploymentConfig none = parse("[server]\nhostname = \"x\"\n");
    CHECK_FALSE(none.encryption.present);
    CHECK_FALSE(none.encryption.key_written);

    ::setenv("KSC_TEST_AES_KEY", "sixteen-byte-key", 1);
    const DeploymentConfig c =
        parse("[encryption]\nkey = \"$env{KSC_TEST_AES_KEY}\"\nold_key = \"$secret{old_aes}\"\n");
    CHECK(c.encryption.present);
    CHECK(c.encryption.key_written);
    REQUIRE(c.encryption.key);
    CHECK(c.encryption.key->text() == "sixteen-byte-key");
    CHECK(c.encryption.old_key_written);
    CHECK_FALSE(c.encryption.old_key);
    CHECK(c.encryption.old_key_problem.find("$secret{old_aes}") != std::string::npos);
    ::unsetenv("KSC_TEST_AES_KEY");

    const DeploymentConfig unset = parse("[encryption]\nkey = \"$env{KSC_TEST_NOT_SET_EVER}\"\n");
    CHECK_FALSE(unset.encryption.key);
    CHECK(unset.encryption.key_problem.find("KSC_TEST_NOT_SET_EVER") != std::string::npos);
    CHECK(error_of("[encryption]\nkey = 12\n").find("[encryption] key must be a string") != std::string::npos);
}

TEST_CASE("config: the file's text and its [secrets] values are kept, so a command reads and parses it once") {
    const std::string text =
        "[keystore.primary]\npassword = \"pp\"\n[secrets]\nb = \"[second]\"\na = 'CIPHER=='\n[server]\nx = 1\n";
    const DeploymentConfig c = parse(text);
    CHECK(c.text.text() == text);
    REQUIRE(c.slots.size() == 2);  // in file order, not sorted by alias
    CHECK(c.slots[0].alias == "b");
    CHECK(c.slots[0].value.text() == "[second]");
    CHECK(text.substr(c.slots[0].begin, c.slots[0].end - c.slots[0].begin) == "\"[second]\"");
    CHECK(c.slots[1].alias == "a");
    CHECK(text.substr(c.slots[1].begin, c.slots[1].end - c.slots[1].begin) == "'CIPHER=='");
    CHECK(c.secrets.at("a").text() == "CIPHER==");

    test::ScratchDir dir;
    test::write(dir / "deployment.toml", text);
    const DeploymentConfig loaded = DeploymentConfig::load(dir / "deployment.toml", dir.path());
    CHECK(loaded.text.text() == text);
    CHECK(loaded.slots.size() == 2);
}
