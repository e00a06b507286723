// Secret-key entries (keytool -genseckey) of JCEKS and PKCS#12: the key bytes we decode are
// the bytes Java's KeyStore.getKey returns (tests/java/SecretKeyHex.java), the algorithm
// and size are Java's, and a wrong key password or a wrong entry kind is refused by alias.
#include "ksc/error.hpp"
#include "ksc/inspect_report.hpp"
#include "ksc/keystore.hpp"
#include "test_support.hpp"

#include <botan/hex.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <sstream>

using namespace ksc;

namespace {

const std::string pw = "passwd12#";
const std::string other_pw = "other123";  // a JCEKS key password that differs from the store's

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

template <class F>
Error error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no error");
    return Error(ErrorKind::internal, "");
}

struct JavaKey {
    std::string algorithm;
    std::string hex;
};

struct Material {
    test::ScratchDir dir;
    std::string p(const std::string& name) const { return std::string("'").append((dir / name).string()).append("'"); }
    std::map<std::string, JavaKey> jceks_java, p12_java;  // alias -> what Java returns

    void genseckey(const std::string& store, const std::string& type, const std::string& alias,
                   const std::string& alg, int bits, const std::string& keypass) const {
        test::run("keytool -genseckey -storetype " + type + " -keystore " + p(store) + " -storepass '" + pw +
                  "' -keypass '" + keypass + "' -alias " + alias + " -keyalg " + alg +
                  (bits ? " -keysize " + std::to_string(bits) : std::string()));
    }

    std::map<std::string, JavaKey> java_keys(const std::string& type, const std::string& store,
                                             const std::string& alias_and_passwords) const {
        const std::string out = test::run_output("java " + std::string(KSC_SOURCE_DIR) + "/tests/java/SecretKeyHex.java " +
                                                 type + " " + p(store) + " '" + pw + "' " + alias_and_passwords);
        std::map<std::string, JavaKey> keys;
        std::istringstream lines(out);
        std::string alias, alg, hex;
        while (lines >> alias >> alg >> hex) keys[alias] = {alg, hex};
        return keys;
    }

    Material() {
        genseckey("s.jceks", "JCEKS", "aes128", "AES", 128, other_pw);
        genseckey("s.jceks", "JCEKS", "aes256", "AES", 256, pw);
        genseckey("s.jceks", "JCEKS", "des3", "DESede", 0, pw);  // a KeyRep inside the sealed object
        genseckey("s.jceks", "JCEKS", "hmac", "HmacSHA256", 256, pw);
        test::run("keytool -genkeypair -storetype JCEKS -keystore " + p("s.jceks") + " -storepass '" + pw +
                  "' -keypass '" + pw + "' -alias rsa -keyalg RSA -keysize 2048 -dname CN=rsa");
        genseckey("s.p12", "PKCS12", "aes128", "AES", 128, pw);
        genseckey("s.p12", "PKCS12", "aes256", "AES", 256, pw);
        jceks_java = java_keys("JCEKS", "s.jceks", "aes128 " + other_pw + " aes256 '" + pw + "' des3 '" + pw +
                                                       "' hmac '" + pw + "'");
        p12_java = java_keys("PKCS12", "s.p12", "aes128 '" + pw + "' aes256 '" + pw + "'");
    }
};

const Material& material() {
    static const Material m;
    return m;
}

std::string hex(const SecureBytes& b) { return Botan::hex_encode(b.data(), b.size(), false); }

}  // namespace

TEST_CASE("secret keys: JCEKS AES-128/256, DESede and HmacSHA256 keys are the bytes Java's getKey returns") {
    const auto& m = material();
    REQUIRE(m.jceks_java.size() == 4);
    const Keystore ks = Keystore::load(m.dir / "s.jceks", Password(pw));
    const std::map<std::string, std::pair<std::string, size_t>> expected = {
        {"aes128", {"AES", 128}}, {"aes256", {"AES", 256}}, {"des3", {"DESede", 168}}, {"hmac", {"HmacSHA256", 256}}};
    for (const auto& [alias, alg_bits] : expected) {
        CAPTURE(alias);
        const KeystoreEntry* e = ks.find(alias);
        REQUIRE(e);
        CHECK(e->kind == EntryKind::secret_key);
        CHECK(e->secret_algorithm.empty());  // sealed under the key password: unknown until opened
        const SecureBytes key = ks.secret_key(alias, Password(alias == "aes128" ? other_pw : pw));
        CHECK(hex(key) == m.jceks_java.at(alias).hex);
        CHECK(e->secret_algorithm == m.jceks_java.at(alias).algorithm);
        CHECK(e->secret_algorithm == alg_bits.first);
        CHECK(e->secret_bits == alg_bits.second);
    }
    CHECK(ks.secret_key("AES256", Password(pw)).size() == 32);  // aliases are case-insensitive
}

TEST_CASE("secret keys: PKCS#12 AES-128/256 keys are Java's bytes, with algorithm and size known at load") {
    const auto& m = material();
    REQUIRE(m.p12_java.size() == 2);
    const Keystore ks = Keystore::load(m.dir / "s.p12", Password(pw));
    for (const auto& [alias, bits] : std::map<std::string, size_t>{{"aes128", 128}, {"aes256", 256}}) {
        CAPTURE(alias);
        const KeystoreEntry* e = ks.find(alias);
        REQUIRE(e);
        CHECK(e->kind == EntryKind::secret_key);
        CHECK(e->secret_algorithm == "AES");
        CHECK(e->secret_bits == bits);
        const SecureBytes key = ks.secret_key(alias, Password(pw));
        CHECK(key.size() * 8 == bits);
        CHECK(hex(key) == m.p12_java.at(alias).hex);
        CHECK(m.p12_java.at(alias).algorithm == "AES");
    }
}

TEST_CASE("secret keys: a wrong key password and a non-secret entry are input errors naming the alias") {
    const auto& m = material();
    for (const char* store : {"s.jceks", "s.p12"}) {
        CAPTURE(store);
        const Keystore ks = Keystore::load(m.dir / store, Password(pw));
        const Error wrong = error_of([&] { ks.secret_key("aes256", Password("wrong-password")); });
        CHECK(wrong.kind() == ErrorKind::input);
        CHECK(contains(wrong.what(), "'aes256'"));
        CHECK_FALSE(contains(wrong.what(), "wrong-password"));
        const Error absent = error_of([&] { ks.secret_key("nope", Password(pw)); });
        CHECK(absent.kind() == ErrorKind::input);
        CHECK(contains(absent.what(), "'nope' not found"));
    }
    const Keystore jceks = Keystore::load(m.dir / "s.jceks", Password(pw));
    const Error not_secret = error_of([&] { jceks.secret_key("rsa", Password(pw)); });
    CHECK(not_secret.kind() == ErrorKind::input);
    CHECK(contains(not_secret.what(), "'rsa' is a private key, not a secret key entry"));
    // The store password does not open a key sealed under another one.
    CHECK(contains(error_of([&] { jceks.secret_key("aes128", Password(pw)); }).what(), "key password is wrong"));
}

TEST_CASE("secret keys: inspect shows kind, algorithm and size (JSON and text)") {
    const auto& m = material();
    const Keystore p12 = Keystore::load(m.dir / "s.p12", Password(pw));
    const auto j = inspect_json(p12, "s.p12");
    REQUIRE(j["entries"].size() == 2);
    for (const auto& e : j["entries"]) {
        CHECK(e["kind"] == "secret_key");
        CHECK(e["key_algorithm"] == "AES");
        CHECK(e["key_bits"] == (e["alias"] == "aes128" ? 128 : 256));
    }
    const Keystore jceks = Keystore::load(m.dir / "s.jceks", Password(pw));
    InspectOptions o;
    o.key_password = Password(pw);
    const auto jj = inspect_json(jceks, "s.jceks", o);
    for (const auto& e : jj["entries"]) {
        if (e["alias"] == "aes256") CHECK(e["key_bits"] == 256);
        if (e["alias"] == "des3") CHECK(e["key_algorithm"] == "DESede");
        if (e["alias"] == "aes128") CHECK(e.contains("key_problem"));  // its key password differs
    }
    const std::string text = inspect_text(jceks, "s.jceks", o);
    CHECK(contains(text, "aes256  [secret_key]\n  key:          AES 256 bits (secret key)"));
    CHECK(contains(text, "hmac  [secret_key]\n  key:          HmacSHA256 256 bits (secret key)"));
}
