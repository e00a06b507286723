// Keystores shaped the way other producers (Bouncy Castle, hand-made PKI test suites,
// damaged copies) shape them read exactly as keytool reads them: thumbprints over the
// stored bytes, validity until 9999, DNs that are not UTF-8, bytes after the keystore,
// BER PKCS#12, repeated aliases, JCEKS objects Java refuses, certificates given as keystores.
#include "keystore_formats.hpp"
#include "ksc/certificate.hpp"
#include "ksc/error.hpp"
#include "ksc/inspect_report.hpp"
#include "ksc/keystore.hpp"
#include "test_support.hpp"

#include <botan/hash.h>
#include <botan/hex.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace ksc;
namespace fs = std::filesystem;

namespace {

const std::string pw = "passwd12#";

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

struct Material {
    test::ScratchDir dir;
    std::string p(const std::string& name) const { return std::string("'").append((dir / name).string()).append("'"); }
    std::string keytool(const std::string& args) const {
        return "keytool -noprompt -storepass '" + pw + "' " + args + " 2>/dev/null";
    }
    Bytes bytes(const std::string& name) const { return read_file(dir / name); }
    void put(const std::string& name, const Bytes& b) const { test::write(dir / name, std::string(b.begin(), b.end())); }

    Material() {
        const std::string d = dir.path().string() + "/";
        // A certificate valid until 99991231235959Z (RFC 5280's "no expiration"), via openssl ca.
        fs::create_directory(dir / "ca");
        test::write(dir / "ca/index.txt", "");
        test::write(dir / "ca/serial", "01\n");
        test::write(dir / "ca.cnf", "[ca]\ndefault_ca=d\n[d]\ndatabase=" + d + "ca/index.txt\nserial=" + d +
                                        "ca/serial\nnew_certs_dir=" + d + "ca\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n");
        test::run("openssl req -new -newkey rsa:2048 -nodes -keyout " + p("forever.key") + " -out " + p("forever.csr") +
                  " -subj /CN=forever");
        test::run("openssl ca -batch -config " + p("ca.cnf") + " -selfsign -keyfile " + p("forever.key") + " -in " +
                  p("forever.csr") + " -out " + p("forever.pem") +
                  " -startdate 20200101000000Z -enddate 99991231235959Z -notext");
        // A subject with a TeletexString holding Latin-1 bytes (openssl's ASCII input mode).
        test::write(dir / "t61.cnf", "[req]\ndistinguished_name=dn\nstring_mask=default\n[dn]\n");
        test::run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + p("t61.key") + " -out " + p("t61.pem") +
                  " -days 3650 -config " + p("t61.cnf") + " -subj \"$(printf '/CN=M\\374ller \\351t\\351/O=ACME')\"");
        test::run("openssl x509 -in " + p("t61.pem") + " -outform der -out " + p("t61.der"));
        // From it: a stray 0xFF in a PrintableString of the subject, and a signature BIT
        // STRING with one unused bit (valid BER-ish input Botan would re-encode differently).
        Bytes ff = bytes("t61.der");
        const std::string acme = "ACME";
        auto it = std::find_end(ff.begin(), ff.end(), acme.begin(), acme.end());
        REQUIRE(it != ff.end());
        it[3] = 0xFF;
        put("ff.der", ff);
        Bytes bits = bytes("t61.der");
        const size_t sig = bits.size() - 257;  // 03 82 01 01 00 <256 bytes> for RSA-2048
        REQUIRE(Botan::hex_encode(&bits[sig - 4], 5) == "0382010100");
        bits[sig] = 1;
        bits.back() &= 0xFE;
        put("bits.der", bits);

        // One JKS holding all of them as trusted certificates, and its PKCS#12 copy.
        for (const char* c : {"forever.pem", "t61.der", "ff.der", "bits.der"})
            test::run(keytool("-importcert -storetype JKS -keystore " + p("certs.jks") + " -alias " +
                              std::string(c).substr(0, std::string(c).find('.')) + " -file " + p(c)));
        test::run(keytool("-importkeystore -srckeystore " + p("certs.jks") + " -srcstorepass '" + pw +
                          "' -destkeystore " + p("certs.p12") + " -deststoretype PKCS12 -deststorepass '" + pw + "'"));
    }
};

const Material& material() {
    static const Material m;
    return m;
}

Keystore load(const std::string& name, std::optional<KeystoreType> type = std::nullopt) {
    return Keystore::parse(material().bytes(name), Password(pw), type, name);
}

std::string load_error(const Bytes& data, const std::string& name) {
    try {
        Keystore::parse(data, Password(pw), std::nullopt, name);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    return "";
}

// keytool -list -v of a store: "<field>: <value>" of the block of `alias`.
std::string keytool_field(const std::string& store, const std::string& alias, const std::string& field) {
    const std::string out = test::run_output(material().keytool("-list -v -keystore " + material().p(store) + " -alias " + alias));
    const size_t at = out.find(field + ": ");
    REQUIRE(at != std::string::npos);
    const size_t start = at + field.size() + 2;
    std::string v = out.substr(start, out.find('\n', start) - start);
    std::erase(v, ':');
    return v;
}

Bytes seal_jks(Bytes body) { return test::seal_jks(std::move(body), pw); }
using test::put32;

}  // namespace

TEST_CASE("fidelity: thumbprints hash the stored bytes, also for a non-canonical signature encoding") {
    const auto& m = material();
    const Bytes stored = m.bytes("bits.der");
    const std::string sha1 = Botan::hex_encode(Botan::HashFunction::create_or_throw("SHA-1")->process(stored));
    // Botan's re-encoding is not what is stored: hashing it would give another thumbprint.
    REQUIRE(Bytes(Certificate(stored).botan().BER_encode()) != stored);
    for (const char* store : {"certs.jks", "certs.p12"}) {
        CAPTURE(store);
        const Keystore ks = load(store);
        const KeystoreEntry* e = ks.find("bits");
        REQUIRE(e);
        CHECK(e->chain.at(0).der() == stored);
        const CertificateFacts f = describe_certificate(e->chain.at(0));
        CHECK(f.thumbprint_sha1 == sha1);
        CHECK(f.thumbprint_sha1 == keytool_field(store, "bits", "SHA1"));
        CHECK(f.fingerprint_sha256 == keytool_field(store, "bits", "SHA256"));
    }
}

TEST_CASE("fidelity: a certificate valid until 99991231235959Z reads as keytool reads it") {
    for (const char* store : {"certs.jks", "certs.p12"}) {
        CAPTURE(store);
        const Keystore ks = load(store);
        const KeystoreEntry* e = ks.find("forever");
        REQUIRE(e);
        const CertificateFacts f = describe_certificate(e->chain.at(0));
        CHECK(f.not_after == "9999-12-31T23:59:59Z");
        CHECK(f.not_before == "2020-01-01T00:00:00Z");
        CHECK_FALSE(f.expired());
        CHECK(f.subject == "CN=forever");
        const std::string list =
            test::run_output(material().keytool("-list -v -keystore " + material().p(store) + " -alias forever"));
        CHECK(contains(list, "until: Fri Dec 31 23:59:59 UTC 9999"));
    }
}

TEST_CASE("fidelity: DN strings decoded as keytool decodes them (Teletex as Latin-1, bad bytes as U+FFFD)") {
    const Keystore ks = load("certs.jks");
    for (const char* alias : {"t61", "ff"}) {
        CAPTURE(alias);
        const CertificateFacts f = describe_certificate(ks.find(alias)->chain.at(0));
        CHECK(f.subject == keytool_field("certs.jks", alias, "Owner"));
        CHECK(valid_utf8(f.subject) == f.subject);
    }
    CHECK(describe_certificate(ks.find("t61")->chain.at(0)).subject == "O=ACME, CN=M\u00fcller \u00e9t\u00e9");
    CHECK(describe_certificate(ks.find("ff")->chain.at(0)).subject == "O=ACM\uFFFD, CN=M\u00fcller \u00e9t\u00e9");
    // --json no longer dies on them; the text escapes control characters.
    CHECK_NOTHROW((void)inspect_json(ks, "certs.jks").dump());
    CHECK(valid_utf8("a\xFF" "b\xC3") == "a\uFFFD" "b\uFFFD");
}

TEST_CASE("fidelity: bytes after a JKS, JCEKS or PKCS#12 keystore are ignored with a warning, as keytool does") {
    const auto& m = material();
    test::run(m.keytool("-importkeystore -srckeystore " + m.p("certs.jks") + " -srcstorepass '" + pw +
                        "' -destkeystore " + m.p("certs.jceks") + " -deststoretype JCEKS -deststorepass '" + pw + "'"));
    for (const char* store : {"certs.jks", "certs.jceks", "certs.p12"}) {
        CAPTURE(store);
        Bytes longer = m.bytes(store);
        longer.insert(longer.end(), {'j', 'u', 'n', 'k', 0, 1});
        const std::string name = std::string("long-") + store;
        m.put(name, longer);
        CHECK(test::run("keytool -list -storepass '" + pw + "' -keystore " + m.p(name) + " >/dev/null 2>&1", false) == 0);
        const Keystore ks = load(name);
        CHECK(ks.entries().size() == load(store).entries().size());
        REQUIRE(ks.warnings().size() == 1);
        CHECK(contains(ks.warnings()[0], "6 bytes after the end"));
        // A wrong password is still a wrong password.
        try {
            Keystore::parse(longer, Password("wrong"), std::nullopt, name);
            FAIL("a wrong password was accepted");
        } catch (const Error& e) {
            CHECK((contains(e.what(), "password is wrong") || contains(e.what(), "wrong password")));
        }
    }
}

TEST_CASE("fidelity: a repeated JKS alias is listed once, as Java keeps it (the last entry)") {
    const auto& m = material();
    // Rename the "bits" entry to "t61": two entries with one alias (the hash is redone).
    Bytes body = m.bytes("certs.jks");
    body.resize(body.size() - 20);
    const Bytes t61_alias = {0, 3, 't', '6', '1'};
    REQUIRE(std::search(body.begin(), body.end(), t61_alias.begin(), t61_alias.end()) != body.end());
    const Bytes bits_alias = {0, 4, 'b', 'i', 't', 's'};
    auto it = std::search(body.begin(), body.end(), bits_alias.begin(), bits_alias.end());
    REQUIRE(it != body.end());
    it = body.erase(it, it + 6);
    body.insert(it, t61_alias.begin(), t61_alias.end());
    m.put("dup.jks", seal_jks(body));
    const std::string list = test::run_output(m.keytool("-list -keystore " + m.p("dup.jks")));
    CHECK(contains(list, "contains 3 entries"));

    const Keystore ks = load("dup.jks");
    REQUIRE(ks.entries().size() == 3);
    const KeystoreEntry* e = ks.find("t61");
    REQUIRE(e);
    CHECK(e->occurrences == 2);
    // Java's map keeps the last entry put: the former "bits" certificate.
    CHECK(e->chain.at(0).der() == m.bytes("bits.der"));
    REQUIRE(ks.warnings().size() == 1);
    CHECK(contains(ks.warnings()[0], "'t61' appears 2 times"));
}

TEST_CASE("fidelity: PKCS#12 aliases are lower-cased into one map, a repeated friendlyName keeps the last bag") {
    const auto& m = material();
    // Two keys, no MAC and no certificate encryption, so friendlyNames can be patched in place.
    const std::string kt = "keytool -J-Dkeystore.pkcs12.macAlgorithm=NONE -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE "
                           "-noprompt -storetype PKCS12 -storepass '" + pw + "' -keystore " + m.p("two.p12") + " ";
    test::run(kt + "-genkeypair -alias ka -keyalg RSA -keysize 2048 -dname CN=ka 2>/dev/null");
    test::run(kt + "-genkeypair -alias kb -keyalg RSA -keysize 2048 -dname CN=kb 2>/dev/null");
    Bytes data = m.bytes("two.p12");
    const Bytes kb = {0x1E, 0x04, 0, 'k', 0, 'b'}, ka_upper = {0x1E, 0x04, 0, 'K', 0, 'A'};
    size_t patched = 0;
    for (auto it = std::search(data.begin(), data.end(), kb.begin(), kb.end()); it != data.end();
         it = std::search(it + 1, data.end(), kb.begin(), kb.end()), ++patched)
        std::copy(ka_upper.begin(), ka_upper.end(), it);
    REQUIRE(patched == 2);  // key bag and certificate bag
    m.put("dup.p12", data);
    const std::string list = test::run_output(m.keytool("-list -keystore " + m.p("dup.p12")));
    CHECK(contains(list, "contains 1 entry"));
    CHECK(contains(list, "\nka, "));

    const Keystore ks = load("dup.p12");
    REQUIRE(ks.entries().size() == 1);
    const KeystoreEntry& e = ks.entries()[0];
    CHECK(e.alias == "ka");
    CHECK(e.occurrences == 2);
    REQUIRE_FALSE(e.chain.empty());
    CHECK(describe_certificate(e.chain[0]).subject == "CN=kb");  // the last bag wins
    CHECK(ks.find("KA") == &e);
}

TEST_CASE("fidelity: a JCEKS secret-key object Java refuses is listed with the reason, not as fine") {
    // A serialized java.util.Date where JceKeyStore admits only a SealedObjectForKeyProtector.
    Bytes body;
    put32(body, 0xCECECECE);
    put32(body, 2);
    put32(body, 1);
    put32(body, 3);  // secret key entry
    body.insert(body.end(), {0, 3, 'a', 'e', 's'});
    for (int i = 0; i < 8; ++i) body.push_back(0);
    const std::string cls = "java.util.Date";
    body.insert(body.end(), {0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, static_cast<uint8_t>(cls.size())});
    body.insert(body.end(), cls.begin(), cls.end());
    // serialVersionUID, flags (writeObject, serializable), no fields, end of annotation,
    // no superclass, then its writeObject block data: 8 bytes of time, end of block.
    body.insert(body.end(), {0x68, 0x6A, 0x81, 0x01, 0x4B, 0x59, 0x74, 0x19, 0x03, 0x00, 0x00, 0x78, 0x70, 0x77, 0x08});
    for (int i = 0; i < 8; ++i) body.push_back(0);
    body.push_back(0x78);
    material().put("refused.jceks", seal_jks(body));
    CHECK(test::run("keytool -list -storetype JCEKS -storepass '" + pw + "' -keystore " + material().p("refused.jceks") +
                        " >/dev/null 2>&1",
                    false) != 0);
    const Keystore ks = load("refused.jceks");
    REQUIRE(ks.entries().size() == 1);
    CHECK(ks.entries()[0].kind == EntryKind::secret_key);
    CHECK(contains(ks.entries()[0].note, "java.util.Date"));
    CHECK(contains(ks.entries()[0].note, "keytool cannot open this keystore"));
    REQUIRE(ks.warnings().size() == 1);
}

TEST_CASE("fidelity: plain messages for a certificate given as a keystore, a bad time, a mismatched --type") {
    const auto& m = material();
    const std::string cert_msg = load_error(m.bytes("t61.der"), "t61.der");
    CHECK(contains(cert_msg, "t61.der: this is an X.509 certificate, not a keystore"));
    CHECK(contains(load_error(read_file(m.dir / "t61.pem"), "t61.pem"), "PEM text, not a keystore"));

    // A validity time with a wrong tag inside a JKS: our words, not Botan's assertion text.
    Bytes body = m.bytes("certs.jks");
    body.resize(body.size() - 20);
    const Bytes utc = {0x17, 0x0D, '2'};
    const auto it = std::search(body.begin(), body.end(), utc.begin(), utc.end());
    REQUIRE(it != body.end());
    *it = 0x04;
    const std::string msg = load_error(seal_jks(body), "badtime.jks");
    CHECK(contains(msg, "validity time"));
    CHECK_FALSE(contains(msg, "assertion"));
    CHECK_FALSE(contains(msg, ".cpp"));

    const Keystore ks = load("certs.jks", KeystoreType::pkcs12);
    CHECK(ks.type() == KeystoreType::jks);
    REQUIRE(ks.warnings().size() == 1);
    CHECK(contains(ks.warnings()[0], "--type PKCS12 was given, but the file is a JKS keystore"));
}
