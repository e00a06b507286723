// Interop with the real Java JCE, both directions, through tests/java/JceHelper.java
// (it encrypts the way WSO2 Carbon's CryptoUtil does and writes the self-contained
// format as Gson does). Key material comes from keytool + openssl, never from our own
// keystore readers, so these tests prove the cipher and format code alone.
#include "ksc/ciphertext.hpp"
#include "ksc/rsa_cipher.hpp"
#include "test_support.hpp"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/data_src.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/x509cert.h>
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace ksc;
using namespace ksc::test;

namespace {

const std::string store_pass = "secret1";

std::string b64(ByteView b) { return Botan::base64_encode(b.data(), b.size()); }
std::string b64(std::string_view s) { return b64(as_bytes(s)); }

std::string sha1_thumbprint(const Botan::X509_Certificate& cert) {
    const auto der = cert.BER_encode();
    return Botan::hex_encode(Botan::HashFunction::create_or_throw("SHA-1")->process(der), true);
}

struct JavaResult {
    int status = 0;
    std::vector<std::string> lines;
    std::string stderr_text;
};

// Made once for this file: the compiled helper, an RSA-2048 PKCS#12 keystore whose
// CRITICAL KeyUsage allows dataEncipherment, a JKS one whose KeyUsage does not, and the
// first one's key and certificate as PEM for our side.
struct Peer {
    ScratchDir dir;
    std::unique_ptr<Botan::Private_Key> key;
    std::unique_ptr<Botan::X509_Certificate> cert;
    std::unique_ptr<Botan::Public_Key> pub;
    std::string tp;
    Botan::AutoSeeded_RNG rng;

    Peer() {
        const std::string d = dir.path().string();
        const std::string src = std::string(KSC_SOURCE_DIR) + "/tests/java/JceHelper.java";
        const std::string kt = "keytool -genkeypair -keyalg RSA -keysize 2048 -validity 30 -dname CN=ksc-test "
                               "-storepass " + store_pass + " -keypass " + store_pass;
        // The three slow steps run side by side, in one shell so run() logs all their output.
        run("sh -c 'javac -d " + d + "/classes " + src + " & j=$!; " +
            kt + " -alias k -storetype PKCS12 -keystore " + d + "/good.p12"
                 " -ext KeyUsage:critical=digitalSignature,keyEncipherment,dataEncipherment & g=$!; " +
            kt + " -alias k -storetype JKS -keystore " + d + "/nodata.jks"
                 " -ext KeyUsage:critical=digitalSignature,keyEncipherment; " +
            "s=$?; wait $j && wait $g && test $s = 0'");
        run("openssl pkcs12 -in " + d + "/good.p12 -nodes -nocerts -passin pass:" + store_pass +
            " | openssl pkey -out " + d + "/key.pem");
        run("openssl pkcs12 -in " + d + "/good.p12 -nokeys -clcerts -passin pass:" + store_pass +
            " | openssl x509 -out " + d + "/cert.pem");
        Botan::DataSource_Stream key_src((dir / "key.pem").string());
        key = Botan::PKCS8::load_key(key_src);
        cert = std::make_unique<Botan::X509_Certificate>((dir / "cert.pem").string());
        pub = cert->load_subject_public_key();
        tp = sha1_thumbprint(*cert);
    }

    // One JVM for many values: `lines` go to stdin, one result per line comes back.
    JavaResult java(const std::string& args, const std::vector<std::string>& lines) const {
        std::string in;
        for (const auto& l : lines) in += l + "\n";
        write(dir / "in.txt", in);
        const std::string d = dir.path().string();
        JavaResult r;
        // sh -c so the helper's own stderr is kept apart from run()'s log (args hold no quotes).
        r.status = run("sh -c 'exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp " + d + "/classes JceHelper " +
                           args + " <" + d + "/in.txt >" + d + "/out.txt 2>" + d + "/err.txt'",
                       false);
        std::istringstream out(slurp(dir / "out.txt"));
        for (std::string l; std::getline(out, l);) r.lines.push_back(l);
        r.stderr_text = slurp(dir / "err.txt");
        return r;
    }
    JavaResult java_ok(const std::string& args, const std::vector<std::string>& lines) const {
        auto r = java(args, lines);
        INFO("JceHelper stderr: " << r.stderr_text);
        REQUIRE(r.status == 0);
        REQUIRE(r.lines.size() == (lines.empty() ? r.lines.size() : lines.size()));
        return r;
    }
    std::string good_store() const { return "PKCS12 " + (dir / "good.p12").string() + " " + store_pass + " k"; }
};

Peer& peer() {
    static Peer p;
    return p;
}

const std::vector<std::string> names = {
    "RSA", "RSA/ECB/PKCS1Padding", "RSA/ECB/OAEPwithSHA1andMGF1Padding",
    "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
    "rsa/ecb/oaepwithsha1andmgf1padding",  // Java and we both ignore case; "t" keeps it
};

// Values for one transformation: short ASCII and non-ASCII text, empty, and two at the
// exact byte limit (random bytes of every value, and UTF-8 text).
std::vector<Bytes> plaintexts_for(const Transformation& t, Botan::RandomNumberGenerator& rng) {
    const size_t limit = t.max_plaintext(256);
    auto text = [](std::string_view s) { return Bytes(s.begin(), s.end()); };
    Bytes random(limit);
    rng.randomize(random.data(), random.size());
    std::string utf8;
    while (utf8.size() + 12 <= limit) utf8 += "p\xc3\xa4ssw\xc3\xb6rd\xe2\x9c\x93";  // pässwörd✓
    utf8.append(limit - utf8.size(), 'x');
    return {text("p\xc3\xa4ssw\xc3\xb6rd\xe2\x9c\x93"), text("admin"), Bytes{}, random, text(utf8)};
}

struct Job {
    std::string name;
    bool self_contained;
    Bytes plain;
};

std::vector<Job> all_jobs(Botan::RandomNumberGenerator& rng) {
    std::vector<Job> jobs;
    for (const auto& n : names)
        for (bool sc : {false, true})
            for (auto& p : plaintexts_for(Transformation::parse(n), rng)) jobs.push_back({n, sc, std::move(p)});
    return jobs;
}

std::string decoded_text(const std::string& value) {
    const auto raw = Botan::base64_decode(value);
    return std::string(raw.begin(), raw.end());
}

}  // namespace

TEST_CASE("java interop: Java encrypts (both formats, every transformation), we parse and decrypt") {
    auto& p = peer();
    const auto jobs = all_jobs(p.rng);
    std::vector<std::string> in;
    for (const auto& j : jobs) in.push_back(j.name + (j.self_contained ? " self-contained " : " plain ") + b64(j.plain));
    const auto r = p.java_ok("encrypt " + p.good_store(), in);

    for (size_t i = 0; i < jobs.size(); ++i) {
        const auto& j = jobs[i];
        CAPTURE(j.name);
        CAPTURE(j.self_contained);
        CAPTURE(j.plain.size());
        const auto parsed = parse_ciphertext(r.lines[i], 256);
        const auto t = Transformation::parse(j.name);
        if (j.self_contained) {
            REQUIRE(parsed.format == CiphertextFormat::self_contained);
            CHECK(parsed.transformation == j.name);
            CHECK(parsed.thumbprint == p.tp);
            // Java (as Gson) escapes '=' in "c"; our writer gives the same bytes for this block.
            CHECK(decoded_text(r.lines[i]).find("\\u003d\\u003d\"") != std::string::npos);
            CHECK(write_self_contained(parsed.rsa_block, j.name, p.tp) == r.lines[i]);
        } else {
            REQUIRE(parsed.format == CiphertextFormat::plain);
            CHECK(r.lines[i].size() == 344);
            CHECK(write_plain(parsed.rsa_block) == r.lines[i]);
        }
        const auto back = RsaDecryptor(*p.key, Transformation::parse(parsed.format == CiphertextFormat::self_contained
                                                                         ? parsed.transformation
                                                                         : j.name)
                                                   .padding,
                                       p.rng)
                              .try_decrypt(parsed.rsa_block);
        REQUIRE(back);
        CHECK(Bytes(back->begin(), back->end()) == j.plain);
        // OAEP with the other hash must not decrypt it (proves the padding really differs).
        if (t.padding == RsaPadding::oaep_sha1)
            CHECK_FALSE(RsaDecryptor(*p.key, RsaPadding::oaep_sha256_mgf1_sha1, p.rng).try_decrypt(parsed.rsa_block));
    }
}

TEST_CASE("java interop: we encrypt (both formats, every transformation), Java decrypts") {
    auto& p = peer();
    const auto jobs = all_jobs(p.rng);
    std::vector<std::string> in;
    for (const auto& j : jobs) {
        const auto t = Transformation::parse(j.name);
        const Bytes block = RsaEncryptor(*p.pub, t).encrypt(j.plain, p.rng);
        if (j.self_contained) {
            // Tell the helper a wrong transformation for plain values: a self-contained
            // value must be decrypted with its own "t".
            const std::string decoy = t.padding == RsaPadding::pkcs1_v15 ? "RSA/ECB/OAEPwithSHA1andMGF1Padding" : "RSA";
            in.push_back(decoy + " " + write_self_contained(block, j.name, p.tp));
        } else {
            in.push_back(j.name + " " + write_plain(block));
        }
    }
    const auto r = p.java_ok("decrypt " + p.good_store() + " " + store_pass, in);
    for (size_t i = 0; i < jobs.size(); ++i) {
        CAPTURE(jobs[i].name);
        CAPTURE(jobs[i].self_contained);
        CAPTURE(jobs[i].plain.size());
        CHECK(r.lines[i] == b64(jobs[i].plain));
    }
}

TEST_CASE("java interop: write_self_contained is byte-identical to the Java (Gson-style) writer") {
    auto& p = peer();
    struct Item {
        Bytes block;
        std::string t, tp;
    };
    std::vector<Item> items;
    for (const auto& n : names)
        for (size_t len : {size_t{256}, size_t{255}, size_t{254}, size_t{128}, size_t{512}}) {
            Bytes block(len);
            p.rng.randomize(block.data(), block.size());
            items.push_back({block, n, p.tp});
        }
    // Odd strings to pin the escaping rules on both sides (no spaces or newlines: the
    // helper's input is line- and space-separated).
    const std::vector<std::string> odd = {"RSA<b>&'=\"\\/", "RSA\x01\x1f\x7f\t", "p\xc3\xa4ss\xe2\x9c\x93",
                                          "a\xe2\x80\xa8" "b\xe2\x80\xa9", "\xf0\x9f\x94\x91"};
    for (const auto& s : odd) items.push_back({items[0].block, s, s});
    std::vector<std::string> in;
    for (const auto& it : items) in.push_back(b64(it.block) + " " + it.t + " " + it.tp);
    const auto r = p.java_ok("format", in);
    for (size_t i = 0; i < items.size(); ++i) {
        CAPTURE(items[i].t);
        CHECK(write_self_contained(items[i].block, items[i].t, items[i].tp) == r.lines[i]);
    }
}

TEST_CASE("java interop: Java's thumbprint is ours, and Java refuses a certificate without dataEncipherment") {
    auto& p = peer();
    const auto tp = p.java_ok("thumbprint " + p.good_store(), {});
    REQUIRE(tp.lines.size() == 1);
    CHECK(tp.lines[0] == p.tp);

    // Critical KeyUsage with keyEncipherment but no dataEncipherment: Cipher.init(cert)
    // throws, as it would inside WSO2. The helper reports it and fails.
    const auto r = p.java("encrypt JKS " + (p.dir / "nodata.jks").string() + " " + store_pass + " k",
                          {"RSA/ECB/OAEPwithSHA1andMGF1Padding plain " + b64(std::string_view("x"))});
    CHECK(r.status != 0);
    CHECK(r.lines.empty());
    CHECK(r.stderr_text.find("Wrong key usage") != std::string::npos);
}

// Skipped (not passed) in a fresh clone without ../shared: nothing to compare with.
TEST_CASE("java interop: the real WSO2 keystores (when the fixtures are present)" *
          doctest::test_suite("wso2-fixtures") * doctest::skip(wso2_fixtures().empty())) {
    const auto fx = wso2_fixtures();
    REQUIRE_MESSAGE(!fx.empty(), "needs ../shared/fixtures/wso2");
    auto& p = peer();
    const std::string store2019 = "JKS " + (fx / "wso2carbon-2019.jks").string() + " wso2carbon wso2carbon";

    // Java writes for the expired 2019 certificate; we see its published thumbprint.
    const auto enc = p.java_ok("encrypt " + store2019,
                               {"RSA/ECB/OAEPwithSHA1andMGF1Padding self-contained " + b64(std::string_view("admin"))});
    const auto parsed = parse_ciphertext(enc.lines[0], 256);
    CHECK(parsed.format == CiphertextFormat::self_contained);
    CHECK(parsed.thumbprint == "57FF38D97664C792FF8801171F04191DED88778D");

    // We encrypt to that certificate (exported by keytool); Java decrypts with WSO2's real key.
    const std::string pem = (p.dir / "wso2-2019.pem").string();
    run("keytool -exportcert -rfc -alias wso2carbon -storetype JKS -keystore " + (fx / "wso2carbon-2019.jks").string() +
        " -storepass wso2carbon -file " + pem);
    const Botan::X509_Certificate cert(pem);
    CHECK(sha1_thumbprint(cert) == "57FF38D97664C792FF8801171F04191DED88778D");
    const auto pub = cert.load_subject_public_key();
    std::vector<std::string> in;
    const Bytes secret = {'w', 's', 'o', '2', 0xc3, 0xa4};
    for (const auto& n : names) {
        const Bytes block = RsaEncryptor(*pub, Transformation::parse(n)).encrypt(secret, p.rng);
        in.push_back(n + " " + write_plain(block));
        in.push_back("RSA " + write_self_contained(block, n, sha1_thumbprint(cert)));
    }
    const auto dec = p.java_ok("decrypt " + store2019 + " wso2carbon", in);
    for (const auto& line : dec.lines) CHECK(line == b64(secret));

    // RSA-1024 (2010 store, critical KeyUsage WITH dataEncipherment): Java's limit is ours.
    const std::string store2010 = "JKS " + (fx / "wso2carbon-2010.jks").string() + " wso2carbon wso2carbon";
    const auto t = Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding");
    const size_t limit = t.max_plaintext(128);
    CHECK(limit == 86);
    const auto fits = p.java_ok("encrypt " + store2010, {t.name + " plain " + b64(Bytes(limit, 'a'))});
    CHECK(parse_ciphertext(fits.lines[0], 128).format == CiphertextFormat::plain);
    const auto over = p.java("encrypt " + store2010, {t.name + " plain " + b64(Bytes(limit + 1, 'a'))});
    CHECK(over.status != 0);
}
