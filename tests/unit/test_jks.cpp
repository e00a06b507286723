// JKS/JCEKS reading, proven against keytool/openssl/Java output for the same files.
#include "keystore_formats.hpp"
#include "ksc/certificate.hpp"
#include "ksc/error.hpp"
#include "ksc/keystore.hpp"
#include "test_support.hpp"

#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/ecc_key.h>
#include <botan/hash.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <botan/base64.h>
#include <botan/x509_key.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

using namespace ksc;
using ksc::test::run;
using ksc::test::run_output;
using ksc::test::ScratchDir;

namespace {

const std::string store_pw = "passwd12#";
const std::string other_key_pw = "k3y-Pass!";
const std::string non_ascii_pw = "pässwörd✓€";

// Keystores made once per test run by keytool; keytool costs ~1 s per key.
struct JksMaterial {
    ScratchDir dir;
    std::filesystem::path main_jks, diffpw_jks, nonascii_jks, jceks, p12;
    std::string list_v;        // keytool -list -v of main.jks
    std::string list_rfc;      // keytool -list -rfc of main.jks (PEM certificates)
    std::string jceks_list;    // keytool -list of store.jceks
    std::string openssl_keys;  // openssl pkcs12 -nocerts -nodes of main.p12

    JksMaterial() {
        main_jks = dir / "main.jks";
        diffpw_jks = dir / "diffpw.jks";
        nonascii_jks = dir / "nonascii.jks";
        jceks = dir / "store.jceks";
        p12 = dir / "main.p12";
        const std::string kt = "keytool -noprompt -storetype JKS -keystore " + main_jks.string() +
                               " -storepass '" + store_pw + "' ";
        auto gen = [&](const std::string& alias, const std::string& args) {
            run(kt + "-genkeypair -alias " + alias + " -dname 'CN=" + alias + ", O=WSO2, L=Mountain View, ST=CA, C=US' -validity 3650 -keypass '" +
                store_pw + "' " + args);
        };
        gen("WithDE", "-keyalg RSA -keysize 2048 -ext KeyUsage:critical=digitalSignature,keyEncipherment,dataEncipherment");
        gen("nodata", "-keyalg RSA -keysize 1024 -ext KeyUsage=digitalSignature,keyEncipherment");
        gen("noku", "-keyalg RSA -keysize 1024");
        gen("eckey", "-keyalg EC -groupname secp256r1 -ext KeyUsage:critical=digitalSignature");
        run(kt + "-exportcert -alias nodata -file " + (dir / "nodata.cer").string());
        run(kt + "-importcert -alias trusted -file " + (dir / "nodata.cer").string());
        run("keytool -genkeypair -storetype JKS -keystore " + diffpw_jks.string() + " -storepass '" + store_pw +
            "' -keypass '" + other_key_pw + "' -alias diff -keyalg EC -groupname secp256r1 -dname CN=diff");
        run("keytool -importkeystore -noprompt -srckeystore " + main_jks.string() + " -srcstorepass '" + store_pw +
            "' -srcalias eckey -srckeypass '" + store_pw + "' -destkeystore " + nonascii_jks.string() +
            " -deststoretype JKS -deststorepass '" + non_ascii_pw + "' -destkeypass '" + non_ascii_pw + "'");
        run("keytool -importkeystore -noprompt -srckeystore " + main_jks.string() + " -srcstorepass '" + store_pw +
            "' -destkeystore " + jceks.string() + " -deststoretype JCEKS -deststorepass '" + store_pw + "'");
        run("keytool -genseckey -alias aessecret -keyalg AES -keysize 128 -storetype JCEKS -keystore " + jceks.string() +
            " -storepass '" + store_pw + "' -keypass '" + store_pw + "'");
        run("keytool -importkeystore -noprompt -srckeystore " + main_jks.string() + " -srcstorepass '" + store_pw +
            "' -destkeystore " + p12.string() + " -deststoretype PKCS12 -deststorepass '" + store_pw + "'");
        list_v = run_output("keytool -list -v -keystore " + main_jks.string() + " -storepass '" + store_pw + "' 2>/dev/null");
        list_rfc = run_output("keytool -list -rfc -keystore " + main_jks.string() + " -storepass '" + store_pw + "' 2>/dev/null");
        jceks_list = run_output("keytool -list -storetype JCEKS -keystore " + jceks.string() + " -storepass '" + store_pw + "' 2>/dev/null");
        openssl_keys = run_output("openssl pkcs12 -in " + p12.string() + " -nocerts -nodes -passin 'pass:" + store_pw + "' 2>/dev/null");
    }
};

const JksMaterial& material() {
    static JksMaterial m;
    return m;
}

// keytool -list -v, split into one block per alias.
std::map<std::string, std::string> keytool_blocks(const std::string& list_v) {
    std::map<std::string, std::string> blocks;
    size_t pos = list_v.find("Alias name: ");
    while (pos != std::string::npos) {
        const size_t next = list_v.find("Alias name: ", pos + 1);
        const std::string block = list_v.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        const size_t eol = block.find('\n');
        blocks[block.substr(12, eol - 12)] = block;
        pos = next;
    }
    return blocks;
}

// The first "<label>: value" line of a keytool block, with colons removed for fingerprints.
std::string keytool_field(const std::string& block, const std::string& label, bool strip_colons = false) {
    const size_t at = block.find(label + ": ");
    if (at == std::string::npos) return {};
    const size_t start = at + label.size() + 2;
    std::string v = block.substr(start, block.find('\n', start) - start);
    if (strip_colons) std::erase(v, ':');
    return v;
}

// The PEM private keys openssl exported, by friendlyName.
std::map<std::string, std::unique_ptr<Botan::Private_Key>> openssl_keys_by_alias(const std::string& text) {
    std::map<std::string, std::unique_ptr<Botan::Private_Key>> keys;
    size_t pos = 0;
    while ((pos = text.find("friendlyName: ", pos)) != std::string::npos) {
        const size_t eol = text.find('\n', pos);
        const std::string alias = text.substr(pos + 14, eol - pos - 14);
        const size_t b = text.find("-----BEGIN PRIVATE KEY-----", eol);
        const std::string end_marker = "-----END PRIVATE KEY-----";
        const size_t e = text.find(end_marker, b) + end_marker.size();
        Botan::DataSource_Memory src(text.substr(b, e - b));
        keys[alias] = Botan::PKCS8::load_key(src);
        pos = e;
    }
    return keys;
}

void check_same_key(const Botan::Private_Key& ours, const Botan::Private_Key& theirs) {
    REQUIRE(ours.algo_name() == theirs.algo_name());
    if (auto* r = dynamic_cast<const Botan::RSA_PrivateKey*>(&ours)) {
        auto* t = dynamic_cast<const Botan::RSA_PrivateKey*>(&theirs);
        REQUIRE(t);
        CHECK(r->get_n() == t->get_n());
        CHECK(r->get_d() == t->get_d());
    } else {
        auto* e = dynamic_cast<const Botan::EC_PrivateKey*>(&ours);
        auto* t = dynamic_cast<const Botan::EC_PrivateKey*>(&theirs);
        REQUIRE(e);
        REQUIRE(t);
        CHECK(e->private_value() == t->private_value());
    }
}

template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    FAIL("no ksc::Error thrown");
    return {};
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Gives a hand-made body a valid integrity hash, so the parser behind it can be attacked.
Bytes seal(Bytes body, const std::string& password) { return test::seal_jks(std::move(body), password); }
using test::put32;

}  // namespace

TEST_CASE("jks: keytool store lists the same aliases, kinds, certificates and thumbprints as keytool") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.main_jks, Password(store_pw));
    CHECK(ks.type() == KeystoreType::jks);
    CHECK(ks.name() == m.main_jks.string());
    const auto blocks = keytool_blocks(m.list_v);
    REQUIRE(blocks.size() == 5);
    REQUIRE(ks.entries().size() == blocks.size());
    for (const auto& e : ks.entries()) {
        INFO("alias " << e.alias);
        REQUIRE(blocks.count(e.alias) == 1);
        const std::string& block = blocks.at(e.alias);
        const bool is_key = contains(block, "Entry type: PrivateKeyEntry");
        CHECK(e.kind == (is_key ? EntryKind::private_key : EntryKind::trusted_certificate));
        REQUIRE(e.chain.size() == 1);
        const CertificateFacts f = describe_certificate(e.chain[0]);
        CHECK(f.thumbprint_sha1 == keytool_field(block, "SHA1", true));
        CHECK(f.fingerprint_sha256 == keytool_field(block, "SHA256", true));
        CHECK(f.subject == keytool_field(block, "Owner"));
        CHECK(f.issuer == keytool_field(block, "Issuer"));
        // keytool names the KeyUsage extension and its criticality.
        const bool ku = contains(block, "ObjectId: 2.5.29.15");
        CHECK(f.key_usage.present == ku);
        CHECK(f.key_usage.critical == contains(block, "ObjectId: 2.5.29.15 Criticality=true"));
        CHECK(f.data_encipherment == (!ku || contains(block, "Data_Encipherment")));
    }
    // Aliases are lowercased by JKS; lookup ignores case.
    REQUIRE(ks.find("WITHDE") != nullptr);
    CHECK(ks.find("WITHDE")->alias == "withde");
    CHECK(ks.find("missing") == nullptr);

    const auto withde = describe_certificate(ks.find("withde")->chain[0]);
    CHECK(withde.key_algorithm == "RSA");
    CHECK(withde.key_bits == 2048);
    CHECK(withde.key_usage.critical);
    CHECK(withde.key_usage.bits == std::vector<std::string>{"digitalSignature", "keyEncipherment", "dataEncipherment"});
    CHECK(withde.data_encipherment);
    const auto nodata = describe_certificate(ks.find("nodata")->chain[0]);
    CHECK(nodata.key_usage.present);
    CHECK_FALSE(nodata.key_usage.critical);
    CHECK_FALSE(nodata.data_encipherment);
    const auto noku = describe_certificate(ks.find("noku")->chain[0]);
    CHECK_FALSE(noku.key_usage.present);
    CHECK(noku.data_encipherment);
    const auto ec = describe_certificate(ks.find("eckey")->chain[0]);
    CHECK(ec.key_algorithm == "EC");
    CHECK(ec.key_bits == 256);
}

TEST_CASE("jks: certificate bytes equal what keytool -list -rfc prints") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.main_jks, Password(store_pw));
    const auto blocks = keytool_blocks(m.list_rfc);
    REQUIRE(blocks.size() == ks.entries().size());
    for (const auto& e : ks.entries()) {
        INFO("alias " << e.alias);
        const std::string& block = blocks.at(e.alias);
        const std::string begin = "-----BEGIN CERTIFICATE-----";
        const size_t b = block.find(begin) + begin.size();
        std::string base64 = block.substr(b, block.find("-----END CERTIFICATE-----") - b);
        std::erase_if(base64, [](char c) { return c == '\n' || c == '\r'; });
        CHECK(Botan::base64_encode(e.chain.at(0).der()) == base64);
    }
}

TEST_CASE("jks: recovered private keys equal what openssl reads from keytool's PKCS#12 export") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.main_jks, Password(store_pw));
    const auto theirs = openssl_keys_by_alias(m.openssl_keys);
    REQUIRE(theirs.size() == 4);
    for (const auto& [alias, key] : theirs) {
        INFO("alias " << alias);
        const auto ours = ks.private_key(alias, Password(store_pw));
        REQUIRE(ours);
        check_same_key(*ours, *key);
    }
}

TEST_CASE("jks: a key password different from the store password") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.diffpw_jks, Password(store_pw));
    const auto key = ks.private_key("diff", Password(other_key_pw));
    REQUIRE(key);
    CHECK(key->algo_name() == "ECDSA");
    // The public half matches the certificate.
    CHECK(Botan::X509::BER_encode(*key) == ks.find("diff")->chain[0].botan().subject_public_key_info());

    const std::string msg = error_of([&] { ks.private_key("diff", Password(store_pw)); });
    CHECK(contains(msg, "'diff'"));
    CHECK(contains(msg, m.diffpw_jks.string()));
    CHECK(contains(msg, "key password is wrong"));
}

TEST_CASE("jks: a non-ASCII store and key password") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.nonascii_jks, Password(non_ascii_pw));
    REQUIRE(ks.entries().size() == 1);
    const auto key = ks.private_key("eckey", Password(non_ascii_pw));
    const auto reference = Keystore::load(m.main_jks, Password(store_pw)).private_key("eckey", Password(store_pw));
    check_same_key(*key, *reference);
}

TEST_CASE("jks: wrong store password or damaged file is reported as such, naming the file") {
    const auto& m = material();
    std::string msg = error_of([&] { Keystore::load(m.main_jks, Password("wrong")); });
    CHECK(contains(msg, m.main_jks.string()));
    CHECK(contains(msg, "password is wrong or the file is damaged"));

    const std::string s = ksc::test::slurp(m.main_jks);
    Bytes bytes(s.begin(), s.end());
    bytes[bytes.size() / 2] ^= 0x01;
    msg = error_of([&] { Keystore::parse(bytes, Password(store_pw), std::nullopt, "flipped.jks"); });
    CHECK(contains(msg, "flipped.jks"));
    CHECK(contains(msg, "integrity check failed"));
}

TEST_CASE("jks: wrong key password names the alias, wrong entry kinds are refused") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.main_jks, Password(store_pw));
    std::string msg = error_of([&] { ks.private_key("WithDE", Password("nope")); });
    CHECK(contains(msg, "'WithDE'"));
    CHECK(contains(msg, "key password is wrong"));
    msg = error_of([&] { ks.private_key("trusted", Password(store_pw)); });
    CHECK(contains(msg, "not a private key"));
    msg = error_of([&] { ks.private_key("absent", Password(store_pw)); });
    CHECK(contains(msg, "'absent' not found"));
}

TEST_CASE("jks: JCEKS from keytool -importkeystore, with a secret key entry") {
    const auto& m = material();
    const Keystore ks = Keystore::load(m.jceks, Password(store_pw), KeystoreType::jceks);
    CHECK(ks.type() == KeystoreType::jceks);
    CHECK(ks.entries().size() == 6);
    CHECK(contains(m.jceks_list, "Your keystore contains 6 entries"));
    for (const auto& e : ks.entries()) CHECK(contains(m.jceks_list, e.alias + ","));

    const KeystoreEntry* secret = ks.find("aessecret");
    REQUIRE(secret);
    CHECK(secret->kind == EntryKind::secret_key);
    CHECK(secret->chain.empty());
    CHECK(contains(error_of([&] { ks.private_key("aessecret", Password(store_pw)); }), "secret key"));

    const KeystoreEntry* withde = ks.find("withde");
    REQUIRE(withde);
    CHECK(withde->protection == KeyProtection::jceks);
    const auto theirs = openssl_keys_by_alias(m.openssl_keys);
    for (const char* alias : {"withde", "eckey"}) {
        const auto key = ks.private_key(alias, Password(store_pw));
        check_same_key(*key, *theirs.at(alias));
    }
    const std::string msg = error_of([&] { ks.private_key("eckey", Password("wrong")); });
    CHECK(contains(msg, "'eckey'"));
    CHECK(contains(msg, "key password is wrong"));

    CHECK(contains(error_of([&] { Keystore::load(m.jceks, Password("wrong")); }), "integrity check failed"));
}

namespace {

Bytes jceks_epki(ByteView salt, size_t iterations, ByteView ciphertext) {
    std::vector<uint8_t> params;
    Botan::DER_Encoder(params)
        .start_cons(Botan::SEQUENCE)
        .encode(salt.data(), salt.size(), Botan::OCTET_STRING)
        .encode(iterations)
        .end_cons();
    std::vector<uint8_t> out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::AlgorithmIdentifier(Botan::OID::from_string("1.3.6.1.4.1.42.2.19.1"), params))
        .encode(ciphertext.data(), ciphertext.size(), Botan::OCTET_STRING)
        .end_cons();
    return out;
}

Bytes from_hex(const std::string& hex) {
    Bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

}  // namespace

TEST_CASE("jks: PBEWithMD5AndTripleDES matches Java's JCE, including the equal-salt-halves quirk") {
    ScratchDir dir;
    run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + (dir / "k.pem").string());
    run("openssl pkcs8 -topk8 -nocrypt -outform DER -in " + (dir / "k.pem").string() + " -out " + (dir / "k.der").string());
    ksc::test::write(dir / "Pbe.java", R"(
import javax.crypto.*;
import javax.crypto.spec.*;
import java.nio.file.*;
public class Pbe {
  public static void main(String[] a) throws Exception {
    byte[] plain = Files.readAllBytes(Path.of(a[0]));
    SecretKey k = SecretKeyFactory.getInstance("PBEWithMD5AndTripleDES").generateSecret(new PBEKeySpec(a[1].toCharArray()));
    for (int i = 2; i < a.length; i++) {
      Cipher c = Cipher.getInstance("PBEWithMD5AndTripleDES");
      c.init(Cipher.ENCRYPT_MODE, k, new PBEParameterSpec(java.util.HexFormat.of().parseHex(a[i]), 1000));
      System.out.println(java.util.HexFormat.of().formatHex(c.doFinal(plain)));
    }
  }
})");
    const std::vector<std::string> salts = {"0102030405060708", "a1b2c3d4a1b2c3d4", "0000000000000000"};
    const std::string out = run_output("java " + (dir / "Pbe.java").string() + " " + (dir / "k.der").string() +
                                       " 'pa$$w0rd' " + salts[0] + " " + salts[1] + " " + salts[2]);
    const std::string expected = ksc::test::slurp(dir / "k.der");
    std::istringstream lines(out);
    for (const auto& salt : salts) {
        INFO("salt " << salt);
        std::string hex;
        REQUIRE(std::getline(lines, hex));
        const Bytes epki = jceks_epki(from_hex(salt), 1000, from_hex(hex));
        const auto plain = detail::recover_jceks_key(epki, Password("pa$$w0rd"));
        REQUIRE(plain.has_value());
        CHECK(std::string(plain->begin(), plain->end()) == expected);
        CHECK_FALSE(detail::recover_jceks_key(epki, Password("pa$$w0rD")).has_value());
    }
}

TEST_CASE("jks: hostile PBE parameters are refused before any work") {
    const Bytes salt(8, 0x11), ct(16, 0x22);
    std::string msg = error_of([&] { detail::recover_jceks_key(jceks_epki(salt, 5'000'001, ct), Password("x")); });
    CHECK(contains(msg, "iteration count 5000001"));
    msg = error_of([&] { detail::recover_jceks_key(jceks_epki(salt, 0, ct), Password("x")); });
    CHECK(contains(msg, "iteration count 0"));
    msg = error_of([&] { detail::recover_jceks_key(jceks_epki(Bytes(7, 1), 10, ct), Password("x")); });
    CHECK(contains(msg, "salt"));
    msg = error_of([&] { detail::recover_jceks_key(jceks_epki(salt, 10, Bytes(13, 0)), Password("x")); });
    CHECK(contains(msg, "bad length"));
    msg = error_of([&] { detail::recover_jks_key(Bytes{0x30, 0x03, 0x02, 0x01}, Password("x")); });
    CHECK(contains(msg, "EncryptedPrivateKeyInfo"));
}

TEST_CASE("jks: garbage, unknown magic, absurd counts and lengths give clear errors") {
    CHECK(contains(error_of([] { Keystore::parse(Bytes{}, Password("p"), std::nullopt, "empty.jks"); }), "empty.jks"));
    CHECK(contains(error_of([] { Keystore::parse(Bytes(64, 0x42), Password("p"), KeystoreType::jks, "g.jks"); }),
                   "unknown magic"));
    CHECK(contains(error_of([] { Keystore::parse(Bytes{0xFE, 0xED}, Password("p"), std::nullopt, "s.jks"); }), "s.jks"));

    Bytes body;
    put32(body, 0xFEEDFEED);
    put32(body, 2);
    put32(body, 0xFFFFFFFF);
    CHECK(contains(error_of([&] { Keystore::parse(seal(body, "p"), Password("p"), std::nullopt, "a.jks"); }),
                   "absurd entry count"));

    body.resize(8);
    put32(body, 1);   // one entry
    put32(body, 1);   // private key
    body.push_back(0);
    body.push_back(1);
    body.push_back('a');
    for (int i = 0; i < 8; ++i) body.push_back(0);  // date
    put32(body, 0x7FFFFFF0);                         // key length far beyond the file
    CHECK(contains(error_of([&] { Keystore::parse(seal(body, "p"), Password("p"), std::nullopt, "l.jks"); }),
                   "truncated"));

    Bytes v9 = body;
    v9[7] = 9;
    CHECK(contains(error_of([&] { Keystore::parse(seal(v9, "p"), Password("p"), std::nullopt, "v.jks"); }),
                   "version 9"));
}

TEST_CASE("jks: every truncation and random damage of real stores fails cleanly") {
    const auto& m = material();
    for (const auto& file : {m.main_jks, m.jceks}) {
        const std::string s = ksc::test::slurp(file);
        const Bytes body(s.begin(), s.end() - 20);
        // Every prefix, re-sealed so the parser (not the hash) has to cope.
        for (size_t len = 0; len < body.size(); len += (len < 200 ? 1 : 7)) {
            Bytes cut(body.begin(), body.begin() + static_cast<long>(len));
            try {
                Keystore::parse(seal(cut, store_pw), Password(store_pw), std::nullopt, "cut");
                FAIL("a truncated store parsed, length " << len);
            } catch (const Error& e) {
                CHECK(e.kind() == ErrorKind::input);
            }
        }
        // Random damage; keys are recovered only for JKS (JCEKS keys cost 400,000 MD5 each).
        const bool recover = file == m.main_jks;
        // In the JCEKS store, half the damage goes into the serialized secret key.
        const Bytes java_magic = {0xAC, 0xED, 0x00, 0x05};
        const auto sk = std::search(body.begin(), body.end(), java_magic.begin(), java_magic.end());
        const size_t sk_at = static_cast<size_t>(sk - body.begin());
        CHECK(recover == (sk == body.end()));
        std::mt19937 rng(1234);
        for (int round = 0; round < (recover ? 150 : 600); ++round) {
            Bytes bad = body;
            for (int k = 0; k < 3; ++k) {
                const size_t at = !recover && round % 2 ? sk_at + rng() % std::min<size_t>(250, body.size() - sk_at)
                                                        : rng() % bad.size();
                bad[at] = static_cast<uint8_t>(rng());
            }
            try {
                const Keystore ks = Keystore::parse(seal(bad, store_pw), Password(store_pw), std::nullopt, "bad");
                for (const auto& e : ks.entries())
                    if (recover && e.kind == EntryKind::private_key) (void)ks.private_key(e.alias, Password(store_pw));
            } catch (const Error& e) {
                CHECK(e.kind() == ErrorKind::input);
            }
        }
    }
}

TEST_CASE("jks: keystore type names and detection") {
    CHECK(to_string(KeystoreType::jks) == "JKS");
    CHECK(to_string(KeystoreType::jceks) == "JCEKS");
    CHECK(to_string(KeystoreType::pkcs12) == "PKCS12");
    CHECK(parse_keystore_type("jks") == KeystoreType::jks);
    CHECK(parse_keystore_type("Pkcs12") == KeystoreType::pkcs12);
    CHECK(parse_keystore_type("JCEKS") == KeystoreType::jceks);
    CHECK_THROWS_AS(parse_keystore_type("BKS"), Error);
    CHECK(detect_keystore_type(Bytes{0xFE, 0xED, 0xFE, 0xED}) == KeystoreType::jks);
    CHECK(detect_keystore_type(Bytes{0xCE, 0xCE, 0xCE, 0xCE}) == KeystoreType::jceks);
    CHECK(detect_keystore_type(Bytes{0x30, 0x82}) == KeystoreType::pkcs12);
    CHECK_FALSE(detect_keystore_type(Bytes{0x01, 0x02}).has_value());
    CHECK(to_string(EntryKind::secret_key) == "secret_key");
}

// Skipped (not passed) in a fresh clone without ../shared.
TEST_CASE("jks: real WSO2 keystores" * doctest::test_suite("wso2-fixtures") *
          doctest::skip(ksc::test::wso2_fixtures().empty())) {
    const auto dir = ksc::test::wso2_fixtures();
    REQUIRE_MESSAGE(!dir.empty(), "needs ../shared/fixtures/wso2");
    const Password pw("wso2carbon");
    auto count_keys = [](const Keystore& ks) {
        return std::count_if(ks.entries().begin(), ks.entries().end(),
                             [](const KeystoreEntry& e) { return e.kind == EntryKind::private_key; });
    };

    const Keystore carbon = Keystore::load(dir / "wso2carbon.jks", pw);
    CHECK(carbon.entries().size() == 145);
    CHECK(count_keys(carbon) == 1);
    const auto f = describe_certificate(carbon.find("wso2carbon")->chain.at(0));
    CHECK(f.thumbprint_sha1 == "2D74F09594030CF7DD28D0292C3882870851950E");
    CHECK(f.key_algorithm == "RSA");
    CHECK(f.key_bits == 2048);
    CHECK(f.subject.starts_with("CN=localhost"));
    CHECK(f.key_usage.present);
    CHECK_FALSE(f.key_usage.critical);
    CHECK(f.data_encipherment);
    CHECK(f.not_before.starts_with("2026-03-04T"));
    CHECK(f.not_after.starts_with("2028-06-06T"));
    const auto key = carbon.private_key("wso2carbon", pw);
    CHECK(Botan::X509::BER_encode(*key) == carbon.find("wso2carbon")->chain[0].botan().subject_public_key_info());
    // keytool agrees on every thumbprint of the 145 entries.
    const auto blocks = keytool_blocks(
        run_output("keytool -list -v -keystore " + (dir / "wso2carbon.jks").string() + " -storepass wso2carbon 2>/dev/null"));
    REQUIRE(blocks.size() == 145);
    for (const auto& e : carbon.entries()) {
        INFO("alias " << e.alias);
        const auto facts = describe_certificate(e.chain.at(0));
        CHECK(facts.thumbprint_sha1 == keytool_field(blocks.at(e.alias), "SHA1", true));
        CHECK(facts.subject == keytool_field(blocks.at(e.alias), "Owner"));
    }

    const Keystore y2019 = Keystore::load(dir / "wso2carbon-2019.jks", pw);
    CHECK(y2019.entries().size() == 88);
    const auto f2019 = describe_certificate(y2019.find("wso2carbon")->chain.at(0));
    CHECK(f2019.thumbprint_sha1 == "57FF38D97664C792FF8801171F04191DED88778D");
    CHECK(f2019.expired());
    CHECK(f2019.not_after.starts_with("2022-01-25T"));
    CHECK(y2019.private_key("wso2carbon", pw) != nullptr);

    const Keystore y2010 = Keystore::load(dir / "wso2carbon-2010.jks", pw);
    CHECK(y2010.entries().size() == 37);
    const auto f2010 = describe_certificate(y2010.find("wso2carbon")->chain.at(0));
    CHECK(f2010.key_bits == 1024);
    CHECK(f2010.key_usage.critical);
    // keytool: DigitalSignature, Non_repudiation, Key_Encipherment, Data_Encipherment.
    CHECK(f2010.key_usage.bits ==
          std::vector<std::string>{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment"});
    CHECK(f2010.data_encipherment);
    CHECK(y2010.private_key("wso2carbon", pw) != nullptr);

    const Keystore trust = Keystore::load(dir / "client-truststore.jks", pw);
    CHECK(trust.entries().size() == 146);
    CHECK(count_keys(trust) == 0);
}
