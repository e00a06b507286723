// The PKCS#12 reader against files written by the real producers: keytool 17 (default,
// legacy, truststore) and OpenSSL 3 (default, -legacy, 3DES, PBES2 variants, -nomac,
// -nokeys, non-ASCII and empty passwords). Every loaded key and certificate is compared
// with what `openssl pkcs12` exports from the same file.
#include "keystore_formats.hpp"
#include "test_support.hpp"

#include "ksc/error.hpp"

#include <botan/data_src.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

using namespace ksc;
namespace fs = std::filesystem;

namespace {

const std::string pw = "passwd12#";
const std::string unicode_pw = "pässwörd✓";

// Key material and stores, made once for the whole file (JVM starts are slow).
struct Material {
    test::ScratchDir dir;
    fs::path operator/(const std::string& name) const { return dir / name; }
    std::string p(const std::string& name) const {  // shell-quoted path
        std::string quoted = "'";
        quoted += (dir / name).string();
        quoted += '\'';
        return quoted;
    }

    Material() {
        // A CA and a leaf it signed, for OpenSSL stores with a two-certificate chain.
        test::run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + p("ca.key") + " -out " + p("ca.pem") +
                  " -subj /CN=Test-CA -days 3650");
        test::run("openssl req -newkey rsa:2048 -nodes -keyout " + p("leaf.key") + " -out " + p("leaf.csr") +
                  " -subj /CN=leaf -days 3650");
        test::run("openssl x509 -req -in " + p("leaf.csr") + " -CA " + p("ca.pem") + " -CAkey " + p("ca.key") +
                  " -CAcreateserial -out " + p("leaf.pem") + " -days 3650");

        const std::string store_opts = "-storetype PKCS12 -storepass '" + pw + "' ";
        const std::string kt = "keytool " + store_opts;
        test::run(kt + "-genkeypair -alias mykey -keyalg RSA -keysize 2048 -dname CN=kt -validity 3650 -keypass '" +
                  pw + "' -keystore " + p("kt.p12"));
        test::run(kt + "-importcert -noprompt -alias trusted-ca -file " + p("ca.pem") + " -keystore " + p("kt.p12"));
        test::run("keytool -J-Dkeystore.pkcs12.legacy -importkeystore -noprompt -srckeystore " + p("kt.p12") +
                  " -srcstoretype PKCS12 -srcstorepass '" + pw + "' -destkeystore " + p("kt-legacy.p12") +
                  " -deststoretype PKCS12 -deststorepass '" + pw + "'");
        // Truststore whose certificate bag uses PBES2 with PBKDF2-HMAC-SHA1 and AES-128.
        test::run("keytool -J-Dkeystore.pkcs12.certProtectionAlgorithm=PBEWithHmacSHA1AndAES_128 " + store_opts +
                  "-importcert -noprompt -alias ca -file " + p("ca.pem") + " -keystore " + p("kt-trust.p12"));

        // A secret-key entry (the secure-vault cipher tool's symmetric key) beside a trusted certificate.
        test::run(kt + "-genseckey -alias aeskey -keyalg AES -keysize 256 -keypass '" + pw + "' -keystore " +
                  p("kt-secret.p12"));

        const std::string ossl = "openssl pkcs12 -export -inkey " + p("leaf.key") + " -in " + p("leaf.pem") +
                                 " -certfile " + p("ca.pem") + " ";
        const std::string pass = "-passout 'pass:" + pw + "' ";
        test::run(ossl + pass + "-name mykey -out " + p("os.p12"));
        test::run(ossl + pass + "-name mykey -legacy -out " + p("os-legacy.p12"));
        test::run(ossl + pass + "-name mykey -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -out " + p("os-3des.p12"));
        test::run(ossl + pass + "-name mykey -keypbe des-ede3-cbc -certpbe aes-128-cbc -macalg sha1 -out " +
                  p("os-pbes2-3des.p12"));
        test::run(ossl + pass + "-name mykey -keypbe aes-192-cbc -certpbe NONE -macalg sha512 -out " +
                  p("os-aes192.p12"));
        test::run(ossl + pass + "-name mykey -nomac -out " + p("os-nomac.p12"));
        test::run(ossl + pass + "-name mykey -keypbe NONE -certpbe NONE -out " + p("os-plain.p12"));
        test::run(ossl + pass + "-out " + p("os-noname.p12"));
        test::run(ossl + "-passout 'pass:" + unicode_pw + "' -name mykey -out " + p("os-unicode.p12"));
        test::run(ossl + "-passout pass: -name mykey -out " + p("os-empty.p12"));
        test::run("openssl pkcs12 -export -nokeys -in " + p("ca.pem") + " " + pass + "-out " + p("os-nokeys.p12"));
        // Iteration count 65536 (DER 02 03 01 00 00) so tests can patch in 6,000,000 (02 03 5B 8D 80).
        test::run(ossl + pass + "-name mykey -iter 65536 -out " + p("os-iter.p12"));
        test::run(ossl + pass + "-name mykey -iter 65536 -nomac -out " + p("os-iter-nomac.p12"));
        test::run(ossl + pass + "-name mykey -iter 65536 -nomac -legacy -out " + p("os-iter-nomac-legacy.p12"));
    }
};

const Material& material() {
    static const Material m;
    return m;
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes file_bytes(const std::string& name) { return read_file(material() / name); }

Keystore load(const std::string& name, const std::string& password) {
    const Bytes data = file_bytes(name);
    return detail::parse_pkcs12(data, Password(password), (material() / name).string());
}

// The message of the input error that parsing `data` must raise ("" if none).
std::string load_error(const Bytes& data, const std::string& password) {
    try {
        detail::parse_pkcs12(data, Password(password), "bad.p12");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    return "";
}

std::vector<std::string> pem_blocks(const std::string& text, const std::string& label) {
    std::vector<std::string> out;
    const std::string begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
    for (size_t pos = text.find(begin); pos != std::string::npos; pos = text.find(begin, pos + 1)) {
        const size_t stop = text.find(end, pos);
        REQUIRE(stop != std::string::npos);
        out.push_back(text.substr(pos, stop + end.size() - pos));
    }
    return out;
}

std::string quote_pass(const std::string& password) { return "'pass:" + password + "'"; }

// What OpenSSL sees in the file: private keys (PKCS#8 private key bits, as Botan
// re-encodes them) and certificate DERs, hex-encoded (sets of strings compare simply).
struct View {
    std::set<std::string> keys;
    std::set<std::string> certs;
};

template <class V>
std::string hex(const V& v) {
    return Botan::hex_encode(v.data(), v.size());
}

View openssl_view(const std::string& name, const std::string& password, bool legacy) {
    const std::string cmd = "openssl pkcs12 " + std::string(legacy ? "-legacy " : "") + "-in " +
                            material().p(name) + " -passin " + quote_pass(password);
    View v;
    for (const auto& pem : pem_blocks(test::run_output(cmd + " -nodes -nocerts 2>/dev/null"), "PRIVATE KEY")) {
        Botan::DataSource_Memory src(pem);
        v.keys.insert(hex(Botan::PKCS8::load_key(src)->private_key_bits()));
    }
    for (const auto& pem : pem_blocks(test::run_output(cmd + " -nokeys 2>/dev/null"), "CERTIFICATE")) {
        Botan::DataSource_Memory src(pem);
        v.certs.insert(hex(Botan::PEM_Code::decode_check_label(src, "CERTIFICATE")));  // exact bytes
    }
    return v;
}

View our_view(const Keystore& ks) {
    View v;
    for (const auto& e : ks.entries()) {
        for (const auto& c : e.chain) v.certs.insert(hex(c.der()));
        if (e.kind != EntryKind::private_key) continue;
        CHECK(e.protection == KeyProtection::none);
        Botan::DataSource_Memory src(e.plain_pkcs8);
        const auto key = Botan::PKCS8::load_key(src);
        v.keys.insert(hex(key->private_key_bits()));
        // The chain's leaf is the certificate of this very key.
        REQUIRE_FALSE(e.chain.empty());
        CHECK(e.chain[0].botan().subject_public_key_info() == key->subject_public_key());
    }
    return v;
}

// Loads `name`, compares keys and certificates with OpenSSL's export, returns the store.
Keystore load_and_compare(const std::string& name, const std::string& password, bool legacy = false) {
    CAPTURE(name);
    Keystore ks = load(name, password);
    CHECK(ks.type() == KeystoreType::pkcs12);
    const View ours = our_view(ks);
    const View theirs = openssl_view(name, password, legacy);
    CHECK(ours.keys == theirs.keys);
    CHECK(ours.certs == theirs.certs);
    return ks;
}

const KeystoreEntry& entry(const Keystore& ks, const std::string& alias) {
    for (const auto& e : ks.entries())
        if (e.alias == alias) return e;
    FAIL("no entry " << alias);
    throw std::logic_error("unreachable");
}

std::string info(const std::string& name, const std::string& password, bool legacy = false) {
    return test::run_output("openssl pkcs12 -info -noout " + std::string(legacy ? "-legacy " : "") + "-in " +
                            material().p(name) + " -passin " + quote_pass(password) + " 2>&1");
}

std::vector<uint8_t> pem_der(const std::string& name) {
    Botan::DataSource_Memory src(test::slurp(material() / name));
    const auto der = Botan::PEM_Code::decode_check_label(src, "CERTIFICATE");  // exact bytes
    return std::vector<uint8_t>(der.begin(), der.end());
}

// Replaces every occurrence of `from` by `to` (same length); returns how many.
size_t patch(Bytes& data, const std::string& from_hex, const std::string& to_hex) {
    const auto from = Botan::hex_decode(from_hex), to = Botan::hex_decode(to_hex);
    REQUIRE(from.size() == to.size());
    size_t n = 0;
    for (auto it = std::search(data.begin(), data.end(), from.begin(), from.end()); it != data.end();
         it = std::search(it + 1, data.end(), from.begin(), from.end())) {
        std::copy(to.begin(), to.end(), it);
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("pkcs12: keytool 17 default store (PBES2 AES-256, HmacSHA256) with a key and a trusted certificate") {
    const std::string i = info("kt.p12", pw);
    REQUIRE(i.find("MAC: sha256") != std::string::npos);
    REQUIRE(i.find("AES-256-CBC") != std::string::npos);
    const Keystore ks = load_and_compare("kt.p12", pw);
    REQUIRE(ks.entries().size() == 2);
    const auto& key = entry(ks, "mykey");
    CHECK(key.kind == EntryKind::private_key);
    CHECK(key.chain.size() == 1);
    const auto& ca = entry(ks, "trusted-ca");
    CHECK(ca.kind == EntryKind::trusted_certificate);
    REQUIRE(ca.chain.size() == 1);
    CHECK(ca.chain[0].der() == pem_der("ca.pem"));
}

TEST_CASE("pkcs12: keytool 17 legacy store (3DES key, RC2-40 certificates, HmacSHA1)") {
    const std::string i = info("kt-legacy.p12", pw, true);
    REQUIRE(i.find("MAC: sha1") != std::string::npos);
    REQUIRE(i.find("pbeWithSHA1And40BitRC2-CBC") != std::string::npos);
    REQUIRE(i.find("pbeWithSHA1And3-KeyTripleDES-CBC") != std::string::npos);
    const Keystore ks = load_and_compare("kt-legacy.p12", pw, true);
    REQUIRE(ks.entries().size() == 2);
    CHECK(entry(ks, "mykey").kind == EntryKind::private_key);
    CHECK(entry(ks, "trusted-ca").kind == EntryKind::trusted_certificate);
    // Same key material as the default store it was converted from.
    CHECK(our_view(ks).keys == our_view(load("kt.p12", pw)).keys);
}

TEST_CASE("pkcs12: keytool 17 truststore (certificate only, PBKDF2-HMAC-SHA1 + AES-128)") {
    const std::string i = info("kt-trust.p12", pw);
    REQUIRE(i.find("PRF hmacWithSHA1") != std::string::npos);
    REQUIRE(i.find("AES-128-CBC") != std::string::npos);
    const Keystore ks = load_and_compare("kt-trust.p12", pw);
    REQUIRE(ks.entries().size() == 1);
    CHECK(ks.entries()[0].alias == "ca");
    CHECK(ks.entries()[0].kind == EntryKind::trusted_certificate);
    CHECK(ks.entries()[0].chain[0].der() == pem_der("ca.pem"));
}

TEST_CASE("pkcs12: openssl 3 default store with a two-certificate chain") {
    const Keystore ks = load_and_compare("os.p12", pw);
    REQUIRE(ks.entries().size() == 1);  // the CA belongs to the key's chain, not a trusted entry
    const auto& key = entry(ks, "mykey");
    REQUIRE(key.chain.size() == 2);
    CHECK(key.chain[0].der() == pem_der("leaf.pem"));
    CHECK(key.chain[1].der() == pem_der("ca.pem"));
}

TEST_CASE("pkcs12: openssl 3 -legacy store (3DES key, RC2-40 certificates)") {
    REQUIRE(info("os-legacy.p12", pw, true).find("pbeWithSHA1And40BitRC2-CBC") != std::string::npos);
    const Keystore ks = load_and_compare("os-legacy.p12", pw, true);
    CHECK(entry(ks, "mykey").chain.size() == 2);
}

TEST_CASE("pkcs12: openssl 3 store with PBE-SHA1-3DES for key and certificates") {
    const std::string i = info("os-3des.p12", pw);
    REQUIRE(i.find("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC") != std::string::npos);
    const Keystore ks = load_and_compare("os-3des.p12", pw);
    CHECK(entry(ks, "mykey").chain.size() == 2);
}

TEST_CASE("pkcs12: openssl 3 PBES2 variants (DES-EDE3-CBC, AES-128, AES-192, unencrypted certs, SHA-1/SHA-512 MAC)") {
    const std::string a = info("os-pbes2-3des.p12", pw);
    REQUIRE(a.find("DES-EDE3-CBC") != std::string::npos);
    REQUIRE(a.find("MAC: sha1") != std::string::npos);
    CHECK(entry(load_and_compare("os-pbes2-3des.p12", pw), "mykey").chain.size() == 2);
    const std::string b = info("os-aes192.p12", pw);
    REQUIRE(b.find("AES-192-CBC") != std::string::npos);
    REQUIRE(b.find("MAC: sha512") != std::string::npos);
    CHECK(entry(load_and_compare("os-aes192.p12", pw), "mykey").chain.size() == 2);
}

TEST_CASE("pkcs12: openssl 3 store with an unencrypted key bag and certificates (-keypbe NONE -certpbe NONE)") {
    REQUIRE(info("os-plain.p12", pw).find("Key bag") != std::string::npos);
    const Keystore ks = load_and_compare("os-plain.p12", pw);
    CHECK(entry(ks, "mykey").chain.size() == 2);
    // Java skips key bags: keytool lists nothing, and the reader says so.
    CHECK(test::run_output("keytool -list -keystore " + material().p("os-plain.p12") + " -storepass '" + pw + "'")
              .find("contains 0 entries") != std::string::npos);
    REQUIRE(ks.warnings().size() >= 1);
    CHECK(ks.warnings()[0].find("private key 'mykey' is stored unencrypted (keyBag)") != std::string::npos);
}

TEST_CASE("pkcs12: keytool secret-key entries are listed as secret keys, not dropped or fatal") {
    const Keystore ks = load("kt-secret.p12", pw);
    REQUIRE(ks.entries().size() == 1);
    CHECK(ks.entries()[0].alias == "aeskey");
    CHECK(ks.entries()[0].kind == EntryKind::secret_key);
    CHECK(ks.entries()[0].chain.empty());
    CHECK(load_error(file_bytes("kt-secret.p12"), "wrong-pass").find("integrity check failed") != std::string::npos);
}

TEST_CASE("pkcs12: openssl 3 -nomac store loads, a wrong password then fails at decryption") {
    REQUIRE(info("os-nomac.p12", pw).find("MAC:") == std::string::npos);
    load_and_compare("os-nomac.p12", pw);
    const std::string msg = load_error(file_bytes("os-nomac.p12"), "wrong-password");
    CHECK(msg.find("bad.p12") != std::string::npos);
    CHECK(msg.find("wrong password or damaged") != std::string::npos);
    CHECK(msg.find("wrong-password") == std::string::npos);
    // The padding lets about one wrong password in 256 through (the CI flake this
    // replaced): those too must be "wrong password", never a parse error of the noise.
    // 2,000 tries meet such a password with a probability above 0.999.
    const Bytes data = file_bytes("os-nomac.p12");
    int other = 0;
    std::string example;
    for (int i = 0; i < 2000; ++i) {
        const std::string m = load_error(data, "wrong-" + std::to_string(i));
        if (m.find("decryption failed (wrong password or damaged file)") == std::string::npos && other++ == 0) example = m;
    }
    CHECK_MESSAGE(other == 0, other << " wrong passwords gave another error, e.g. " << example);
}

TEST_CASE("pkcs12: certificates without Java's trust attribute and without a key are not entries, as in keytool") {
    // openssl -nokeys writes no trusted-key-usage attribute: Java lists nothing.
    const Keystore ks = load("os-nokeys.p12", pw);
    CHECK(ks.entries().empty());
    REQUIRE(ks.warnings().size() == 1);
    CHECK(ks.warnings()[0].find("1 certificate(s) belong to no key") != std::string::npos);
    CHECK(test::run_output("keytool -list -keystore " + material().p("os-nokeys.p12") + " -storepass '" + pw + "'")
              .find("contains 0 entries") != std::string::npos);
}

TEST_CASE("pkcs12: without friendlyName the alias is \"1\", as Java names unnamed entries") {
    const Keystore ks = load_and_compare("os-noname.p12", pw);
    REQUIRE(ks.entries().size() == 1);
    CHECK(ks.entries()[0].alias == "1");
    CHECK(ks.entries()[0].kind == EntryKind::private_key);
    CHECK(test::run_output("keytool -list -keystore " + material().p("os-noname.p12") + " -storepass '" + pw + "'")
              .find("\n1, ") != std::string::npos);
}

TEST_CASE("pkcs12: non-ASCII password (UTF-8 for PBKDF2, UTF-16BE for the MAC)") {
    const Keystore ks = load_and_compare("os-unicode.p12", unicode_pw);
    CHECK(entry(ks, "mykey").kind == EntryKind::private_key);
    CHECK(load_error(file_bytes("os-unicode.p12"), "passwrd").find("integrity check failed") != std::string::npos);
}

TEST_CASE("pkcs12: empty password (as openssl -passout pass: writes it)") {
    const Keystore ks = load_and_compare("os-empty.p12", "");
    CHECK(entry(ks, "mykey").chain.size() == 2);
    CHECK(load_error(file_bytes("os-empty.p12"), "x").find("integrity check failed") != std::string::npos);
}

TEST_CASE("pkcs12: wrong password is an integrity failure naming the file, never the password") {
    const std::string msg = load_error(file_bytes("kt.p12"), "not-the-password");
    CHECK(msg.find("bad.p12") != std::string::npos);
    CHECK(msg.find("integrity check failed") != std::string::npos);
    CHECK(msg.find("password is wrong or the file is damaged") != std::string::npos);
    CHECK(msg.find("not-the-password") == std::string::npos);
}

TEST_CASE("pkcs12: a flipped byte in the MAC or in the content fails the integrity check") {
    const Bytes good = file_bytes("os.p12");
    // The file ends with MacData: ... 04 20 <32-byte digest> 04 08 <8-byte salt> 02 02 08 00.
    REQUIRE(good.size() > 100);
    REQUIRE(Botan::hex_encode(&good[good.size() - 4], 4) == "02020800");
    Bytes mac_flip = good;
    mac_flip[good.size() - 4 - 10 - 5] ^= 0x01;  // inside the digest
    CHECK(load_error(mac_flip, pw).find("integrity check failed") != std::string::npos);
    Bytes content_flip = good;
    content_flip[good.size() / 2] ^= 0x80;
    CHECK(load_error(content_flip, pw).find("integrity check failed") != std::string::npos);
}

TEST_CASE("pkcs12: truncated files fail cleanly at every cut") {
    const Bytes good = file_bytes("kt.p12");
    for (size_t cut : {size_t{0}, size_t{1}, size_t{2}, size_t{4}, size_t{16}, size_t{100}, good.size() / 3,
                       good.size() / 2, good.size() - 40, good.size() - 1}) {
        CAPTURE(cut);
        const Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_FALSE(load_error(truncated, pw).empty());
    }
    // Bytes after the PFX are ignored with a warning, as keytool and openssl ignore them.
    Bytes longer = good;
    longer.insert(longer.end(), {0, 0, 'x'});
    const Keystore ks = detail::parse_pkcs12(longer, Password(pw), "longer.p12");
    CHECK(ks.entries().size() == load("kt.p12", pw).entries().size());
    REQUIRE(ks.warnings().size() == 1);
    CHECK(ks.warnings()[0].find("3 bytes after the end") != std::string::npos);
}

TEST_CASE("pkcs12: garbage, BER indefinite lengths and deep nesting are refused with a clear message") {
    std::mt19937 rng(12345);
    for (int round = 0; round < 50; ++round) {
        Bytes junk(static_cast<size_t>(rng() % 3000));
        for (auto& b : junk) b = static_cast<uint8_t>(rng());
        if (!junk.empty() && round % 2 == 0) junk[0] = 0x30;
        CHECK_FALSE(load_error(junk, pw).empty());
    }
    CHECK(load_error(bytes_of("not a keystore at all"), pw).find("bad.p12") != std::string::npos);
    const Bytes primitive_indefinite = Botan::hex_decode("3080020103308006092a864886f70d010701a080048000000000000000000000");
    CHECK(load_error(primitive_indefinite, pw).find("indefinite length on a primitive") != std::string::npos);
    const Bytes unterminated = Botan::hex_decode("3080020103308006092a864886f70d010701a080");
    CHECK(load_error(unterminated, pw).find("truncated") != std::string::npos);
    const Bytes empty_contents = Botan::hex_decode("3014020103300f06092a864886f70d010701a0022400");
    CHECK_FALSE(load_error(empty_contents, pw).empty());
    Bytes nested;  // 100 nested SEQUENCEs with correct lengths
    for (int i = 0; i < 100; ++i) {
        Bytes outer{0x30};
        if (nested.size() < 128) outer.push_back(static_cast<uint8_t>(nested.size()));
        else outer.insert(outer.end(), {0x81, static_cast<uint8_t>(nested.size())});
        outer.insert(outer.end(), nested.begin(), nested.end());
        nested = outer;
    }
    CHECK(load_error(nested, pw).find("nesting") != std::string::npos);
}

TEST_CASE("pkcs12: an inner item whose short-form length reaches past its parent is refused, not read") {
    // SEQUENCE(3) holding a SEQUENCE that claims 5 bytes: the bytes after the outer item
    // exist in the buffer, so only the parent's bound stops the read (found by
    // _GLIBCXX_ASSERTIONS: a short-form length was never checked against it).
    const Bytes overlong = Botan::hex_decode("3003300500000000000000");
    const std::string msg = load_error(overlong, pw);
    CHECK(msg.find("truncated ASN.1 (an item claims 5 bytes, 1 left)") != std::string::npos);
    CHECK(msg.find("bad.p12") != std::string::npos);
}

TEST_CASE("pkcs12: iteration count 6,000,000 is refused before any key derivation") {
    using clock = std::chrono::steady_clock;
    struct Case {
        const char* file;
        const char* what;
    };
    for (const Case& c : {Case{"os-iter.p12", "MAC"}, Case{"os-iter-nomac.p12", "PBES2"},
                          Case{"os-iter-nomac-legacy.p12", "legacy PBE"}}) {
        CAPTURE(c.what);
        Bytes data = file_bytes(c.file);
        REQUIRE(patch(data, "0203010000", "02035b8d80") >= 1);
        const auto start = clock::now();
        const std::string msg = load_error(data, pw);
        CHECK(clock::now() - start < std::chrono::milliseconds(500));
        CHECK(msg.find("iteration count 6000000") != std::string::npos);
        CHECK(msg.find("bad.p12") != std::string::npos);
    }
}

TEST_CASE("pkcs12: PBMAC1 and unknown encryption algorithms are named by OID") {
    // SHA-256 (2.16.840.1.101.3.4.2.1) in the MacData -> PBMAC1 (1.2.840.113549.1.5.14), same length.
    Bytes pbmac1 = file_bytes("os.p12");
    const std::string sha256_oid = "0609608648016503040201";
    const std::string tail = Botan::hex_encode(&pbmac1[pbmac1.size() - 80], 80);
    REQUIRE(tail.find(sha256_oid) != std::string::npos);
    const size_t at = pbmac1.size() - 80 + tail.find(sha256_oid) / 2;
    const auto pbmac1_oid = Botan::hex_decode("06092a864886f70d01050e");
    std::copy(pbmac1_oid.begin(), pbmac1_oid.end(), pbmac1.begin() + static_cast<std::ptrdiff_t>(at));
    CHECK(load_error(pbmac1, pw).find("unsupported MAC algorithm 1.2.840.113549.1.5.14") != std::string::npos);

    // pbeWithSHAAnd3-KeyTripleDES-CBC -> pbeWithSHAAnd128BitRC4 (1.2.840.113549.1.12.1.1) in the
    // key bag of a MAC-less legacy file (openssl -nomac leaves the certificates unencrypted).
    Bytes rc4 = file_bytes("os-iter-nomac-legacy.p12");
    REQUIRE(patch(rc4, "2a864886f70d010c0103", "2a864886f70d010c0101") == 1);
    CHECK(load_error(rc4, pw).find("unsupported encryption algorithm 1.2.840.113549.1.12.1.1") != std::string::npos);
}

TEST_CASE("pkcs12: single-byte corruptions anywhere in a MAC-less file never escape as anything but input errors") {
    // Without a MAC, damage reaches every parser behind it (bags, attributes, PBE
    // parameters, certificates). Each corrupted copy must load or fail with ksc::Error.
    const Bytes good = file_bytes("os-nomac.p12");
    size_t failures = 0;
    for (size_t pos = 0; pos < good.size(); pos += 7) {
        CAPTURE(pos);
        Bytes bad = good;
        bad[pos] ^= static_cast<uint8_t>(0x5A + pos);
        if (!load_error(bad, pw).empty()) ++failures;
    }
    CHECK(failures > 0);
}

namespace {

// Re-encodes DER the way Bouncy Castle writes BER: every constructed item with an
// indefinite length, OCTET STRINGs (and the [0] IMPLICIT encrypted content) cut into
// 16-byte segments. `descend` levels of OCTET STRING contents that are themselves ASN.1
// are converted too. Values are unchanged, so a MAC over the outer authSafe still holds.
Bytes to_ber(ByteView der, int descend) {
    Bytes out;
    size_t pos = 0;
    while (pos < der.size()) {
        const uint8_t tag = der[pos++];
        size_t len = der[pos++];
        if (len & 0x80) {
            const size_t n = len & 0x7F;
            len = 0;
            for (size_t i = 0; i < n; ++i) len = (len << 8) | der[pos++];
        }
        const ByteView content = der.subspan(pos, len);
        pos += len;
        if (tag & 0x20) {
            out.insert(out.end(), {tag, 0x80});
            const Bytes inner = to_ber(content, descend);
            out.insert(out.end(), inner.begin(), inner.end());
            out.insert(out.end(), {0, 0});
        } else if (tag == 0x04 || tag == 0x80) {
            const Bytes value = descend > 0 && tag == 0x04 && !content.empty() && content[0] == 0x30
                                    ? to_ber(content, descend - 1)
                                    : Bytes(content.begin(), content.end());
            out.insert(out.end(), {static_cast<uint8_t>(tag | 0x20), 0x80});
            for (size_t at = 0; at < value.size(); at += 16) {
                const size_t n = std::min<size_t>(16, value.size() - at);
                out.insert(out.end(), {0x04, static_cast<uint8_t>(n)});
                out.insert(out.end(), value.begin() + static_cast<std::ptrdiff_t>(at),
                           value.begin() + static_cast<std::ptrdiff_t>(at + n));
            }
            out.insert(out.end(), {0, 0});
        } else {
            out.push_back(tag);
            if (len < 0x80) out.push_back(static_cast<uint8_t>(len));
            else out.insert(out.end(), {0x82, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)});
            out.insert(out.end(), content.begin(), content.end());
        }
    }
    return out;
}

}  // namespace

TEST_CASE("pkcs12: BER as Bouncy Castle writes it (indefinite lengths, segmented strings) reads like the DER original") {
    struct Case {
        const char* file;
        int descend;  // MAC'd files: only the outer structure can change
    };
    test::run("openssl pkcs12 -export -inkey " + material().p("leaf.key") + " -in " + material().p("leaf.pem") +
              " -certfile " + material().p("ca.pem") + " -passout 'pass:" + pw +
              "' -name mykey -nomac -certpbe AES-256-CBC -out " + material().p("os-nomac-enc.p12"));
    for (const Case& c : {Case{"kt.p12", 0}, Case{"os.p12", 0}, Case{"os-nomac-enc.p12", 1}}) {
        CAPTURE(c.file);
        const Bytes ber = to_ber(file_bytes(c.file), c.descend);
        REQUIRE(ber != file_bytes(c.file));
        std::string name = "ber-";
        name += c.file;
        test::write(material() / name, std::string(ber.begin(), ber.end()));
        // OpenSSL reads it: the file is valid BER.
        CHECK(test::run("openssl pkcs12 -in " + material().p(name) + " -noout -passin " + quote_pass(pw) + " 2>/dev/null",
                        false) == 0);
        const Keystore ours = load(name, pw);
        const Keystore original = load(c.file, pw);
        REQUIRE(ours.entries().size() == original.entries().size());
        for (size_t i = 0; i < ours.entries().size(); ++i) {
            CHECK(ours.entries()[i].alias == original.entries()[i].alias);
            REQUIRE(ours.entries()[i].chain.size() == original.entries()[i].chain.size());
            for (size_t k = 0; k < ours.entries()[i].chain.size(); ++k)
                CHECK(ours.entries()[i].chain[k].der() == original.entries()[i].chain[k].der());
            CHECK(ours.entries()[i].plain_pkcs8 == original.entries()[i].plain_pkcs8);
        }
        const std::string wrong = load_error(ber, "wrong");
        CHECK((wrong.find("integrity check failed") != std::string::npos || wrong.find("wrong password") != std::string::npos));
    }
}
