// kscipher check (check_config): the product's keystore rules on keystores made by
// keytool, and that no finding ever holds a password.
#include "ksc/config_check.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/value_crypto.hpp"
#include "test_support.hpp"

#include <botan/auto_rng.h>

#include <doctest/doctest.h>

#include <algorithm>

using namespace ksc;

namespace {

constexpr const char* with_de = "-ext KeyUsage=digitalSignature,keyEncipherment,dataEncipherment";
constexpr const char* without_de = "-ext KeyUsage=digitalSignature,keyEncipherment";

// A product home with its security folder; keys made there by keytool.
struct Home {
    ksc::test::ScratchDir dir;
    std::filesystem::path sec = security_dir(dir.path());
    Home() { std::filesystem::create_directories(sec); }

    // An RSA key pair whose key password equals the store password (keytool's default).
    void key(const std::string& file, const std::string& alias, const std::string& pass, const std::string& type,
             const char* ext) const {
        ksc::test::run("keytool -genkeypair -alias " + alias + " -keyalg RSA -keysize 2048 -dname CN=" + alias +
                       " -validity 3650 -storetype " + type + " -keystore " + (sec / file).string() +
                       " -storepass " + pass + " -keypass " + pass + " " + ext);
    }
    DeploymentConfig config(const std::string& toml) const {
        return DeploymentConfig::parse(toml, deployment_toml_path(dir.path()), dir.path());
    }
};

std::vector<Finding> of_table(const std::vector<Finding>& all, const std::string& table) {
    std::vector<Finding> out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out), [&](const Finding& f) { return f.table == table; });
    return out;
}

bool has(const std::vector<Finding>& fs, const std::string& severity, const std::string& text) {
    return std::any_of(fs.begin(), fs.end(), [&](const Finding& f) {
        return f.severity == severity && f.message.find(text) != std::string::npos;
    });
}

std::string dump(const std::vector<Finding>& fs) {
    std::string s;
    for (const auto& f : fs) s += f.severity + " [" + f.table + "] " + f.message + "\n";
    return s;
}

}  // namespace

TEST_CASE("check: a password that is not a literal is named by its placeholder, never printed") {
    Home h;
    h.key("p.jks", "prim", "storepw", "JKS", with_de);
    const auto findings = check_config(
        h.config("[keystore.primary]\nfile_name = \"p.jks\"\ntype = \"JKS\"\nalias = \"prim\"\n"
                 "password = \"MyS3cretPart$sys{foo}\"\n"
                 "[keystore.internal]\nfile_name = \"p.jks\"\npassword = \"Top-S3cret-$secret{ks_pw}\"\n"),
        std::nullopt);
    INFO(dump(findings));
    CHECK(has(of_table(findings, "keystore.primary"), "warning", "$sys{foo}"));
    CHECK(has(of_table(findings, "keystore.internal"), "warning", "$secret{ks_pw}"));
    for (const auto& f : findings) {
        CHECK(f.message.find("MyS3cretPart") == std::string::npos);
        CHECK(f.message.find("Top-S3cret") == std::string::npos);
    }
}

TEST_CASE("check: the primary keystore's Data Encipherment") {
    Home h;
    h.key("p.jks", "prim", "storepw", "JKS", without_de);
    const std::string primary =
        "[keystore.primary]\nfile_name = \"p.jks\"\ntype = \"JKS\"\nalias = \"prim\"\npassword = \"storepw\"\n"
        "key_password = \"storepw\"\n";
    SUBCASE("an error when primary encrypts (no separate internal keystore)") {
        const auto fs = of_table(check_config(h.config(primary), std::nullopt), "keystore.primary");
        INFO(dump(fs));
        CHECK(has(fs, "error", "Data Encipherment"));
    }
    SUBCASE("a warning beside a separate internal keystore, which itself must allow it") {
        h.key("i.p12", "int", "internalpw", "PKCS12", with_de);
        const auto all = check_config(
            h.config(primary + "[keystore.internal]\nfile_name = \"i.p12\"\ntype = \"PKCS12\"\nalias = \"int\"\n"
                               "password = \"internalpw\"\nkey_password = \"internalpw\"\n"),
            std::nullopt);
        INFO(dump(all));
        const auto fs = of_table(all, "keystore.primary");
        CHECK(has(fs, "warning", "Data Encipherment"));
        CHECK_FALSE(has(fs, "error", "Data Encipherment"));
        CHECK(of_table(all, "keystore.internal").empty());
    }
}

TEST_CASE("check: only JKS and PKCS12 are types the product reads") {
    Home h;
    h.key("p.jks", "prim", "storepw", "JKS", with_de);
    const auto findings_for = [&](const std::string& type) {
        return of_table(check_config(h.config("[keystore.primary]\nfile_name = \"p.jks\"\ntype = \"" + type +
                                              "\"\nalias = \"prim\"\npassword = \"storepw\"\n"),
                                     std::nullopt),
                        "keystore.primary");
    };
    for (const char* bad : {"JCEKS", "jceks", "P12", "PKCS#12", "pkcs-12"}) {
        const auto fs = findings_for(bad);
        INFO(bad << "\n" << dump(fs));
        CHECK(has(fs, "error", "is not one the product reads (JKS or PKCS12)"));
    }
    for (const char* good : {"JKS", "jks", "Jks"}) {
        const auto fs = findings_for(good);
        INFO(good << "\n" << dump(fs));
        CHECK(std::none_of(fs.begin(), fs.end(), [](const Finding& f) { return f.severity == "error"; }));
    }
    // PKCS12 is read, and then compared with what the file really is.
    CHECK(has(findings_for("pkcs12"), "error", "is a JKS keystore"));
}

TEST_CASE("check: a table with a password and no key_password uses it as the key password") {
    Home h;
    h.key("p.jks", "prim", "storepw", "JKS", with_de);
    h.key("i.jks", "int", "internalpw", "JKS", with_de);
    const auto all = check_config(
        h.config("[keystore.primary]\nfile_name = \"p.jks\"\ntype = \"JKS\"\nalias = \"prim\"\npassword = \"storepw\"\n"
                 "[keystore.internal]\nfile_name = \"i.jks\"\nalias = \"int\"\npassword = \"internalpw\"\n"),
        std::nullopt);
    INFO(dump(all));
    for (const char* table : {"keystore.primary", "keystore.internal"}) {
        const auto fs = of_table(all, table);
        CHECK(std::none_of(fs.begin(), fs.end(), [](const Finding& f) { return f.severity == "error"; }));
    }
}

namespace {

bool has_error(const std::vector<Finding>& fs) {
    return std::any_of(fs.begin(), fs.end(), [](const Finding& f) { return f.severity == "error"; });
}

// A [secrets] value encrypted for the key of p.jks (alias prim, password storepw).
std::string encrypted_for_prim(const Home& h, const std::string& plaintext) {
    KeySpec spec;
    spec.keystore = h.sec / "p.jks";
    spec.alias = "prim";
    spec.config_password = Password("storepw");
    const LoadedKey key = load_key(spec, false);
    Botan::AutoSeeded_RNG rng;
    const ValueEncryptor enc(*key.certificate.load_subject_public_key(), key.facts.thumbprint_sha1,
                             Transformation::parse("RSA"), OutputFormat::plain);
    return enc.encrypt(Bytes(plaintext.begin(), plaintext.end()), rng);
}

}  // namespace

TEST_CASE("check: password and key_password are compared after resolving $secret{} and $env{}") {
    Home h;
    h.key("p.jks", "prim", "storepw", "JKS", with_de);
    const std::string table = "[keystore.primary]\nfile_name = \"p.jks\"\ntype = \"JKS\"\nalias = \"prim\"\n";
    const auto primary_findings = [&](const std::string& passwords, const std::string& secrets,
                                      const std::optional<Password>& fallback) {
        return of_table(check_config(h.config(table + passwords + "[secrets]\n" + secrets), fallback),
                        "keystore.primary");
    };
    const std::string two_refs = "password = \"$secret{keystore_password}\"\nkey_password = \"$secret{key_password}\"\n";

    SUBCASE("two references to equal plaintext secrets (WSO2's documented pattern)") {
        const auto fs = primary_findings(two_refs, "keystore_password = \"[storepw]\"\nkey_password = \"[storepw]\"\n",
                                         Password("storepw"));
        INFO(dump(fs));
        CHECK_FALSE(has(fs, "error", "differ"));
        CHECK_FALSE(has_error(fs));
    }
    SUBCASE("two references to equal encrypted secrets, decrypted with the key") {
        const std::string secrets = "keystore_password = \"" + encrypted_for_prim(h, "storepw") +
                                    "\"\nkey_password = \"" + encrypted_for_prim(h, "storepw") + "\"\n";
        const auto fs = primary_findings(two_refs, secrets, Password("storepw"));
        INFO(dump(fs));
        CHECK_FALSE(has_error(fs));
        // Without the keystore's password nothing can be decrypted: a warning, not a false error.
        const auto unknown = primary_findings(two_refs, secrets, std::nullopt);
        INFO(dump(unknown));
        CHECK_FALSE(has(unknown, "error", "differ"));
        CHECK(has(unknown, "warning", "could not be compared"));
    }
    SUBCASE("two references to different secrets are still an error") {
        const std::string secrets = "keystore_password = \"" + encrypted_for_prim(h, "storepw") +
                                    "\"\nkey_password = \"" + encrypted_for_prim(h, "other") + "\"\n";
        const auto fs = primary_findings(two_refs, secrets, Password("storepw"));
        INFO(dump(fs));
        CHECK(has(fs, "error", "differ"));
        for (const auto& f : fs) CHECK(f.message.find("other") == std::string::npos);
    }
    SUBCASE("$env{} references to equal values") {
        ::setenv("KSC_CHECK_PW_A", "storepw", 1);
        ::setenv("KSC_CHECK_PW_B", "storepw", 1);
        ::setenv("KSC_CHECK_PW_C", "nope", 1);
        const auto same = primary_findings("password = \"$env{KSC_CHECK_PW_A}\"\nkey_password = \"$env{KSC_CHECK_PW_B}\"\n",
                                           "", std::nullopt);
        INFO(dump(same));
        CHECK_FALSE(has_error(same));
        CHECK(has(primary_findings("password = \"$env{KSC_CHECK_PW_A}\"\nkey_password = \"$env{KSC_CHECK_PW_C}\"\n", "",
                                   std::nullopt),
                  "error", "differ"));
    }
}
