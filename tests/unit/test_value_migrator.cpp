// ValueMigrator: the value states ksmigrate reports and re-encryption, against
// values made by the real peer (keys by keytool, RSA blocks by openssl) and checked
// back with openssl under the target key.
#include "ksc/certificate.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/error.hpp"
#include "ksc/value_migrator.hpp"
#include "test_support.hpp"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace ksc;
namespace fs = std::filesystem;

namespace {

const std::string oaep_sha1 = "RSA/ECB/OAEPwithSHA1andMGF1Padding";
const std::string oaep_sha256 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";
const std::string pkcs1 = "RSA";
// Non-ASCII on purpose: plaintext is UTF-8 bytes on both sides.
const std::string secret = "s3cret-p\xC3\xA4ss/word";

// Single-quoted for the shell (scratch paths hold no quote). Built by appending:
// GCC 12 warns falsely (-Wrestrict) about "'" + std::string&&.
std::string q(const fs::path& p) {
    std::string out = "'";
    out += p.string();
    out += '\'';
    return out;
}

struct TestKey {
    fs::path key_pem;  // PKCS#8, for openssl -decrypt
    fs::path pub_pem;  // SubjectPublicKeyInfo, for openssl -encrypt
    LoadedKey loaded;
};

// Two RSA-2048 keys made by keytool (as an operator would), plus a second certificate
// for the first key pair: two "different" keys (different thumbprints) that are really
// one, the only cheap way to make every PKCS#1 v1.5 block open under both.
// Made once for the file: key generation and the JVM start are the slow part.
struct Fixture {
    test::ScratchDir dir;
    Botan::AutoSeeded_RNG rng;
    TestKey a = make("a");
    TestKey b = make("b");
    TestKey a_twin = twin_of(a, "a-twin");
    int counter = 0;

    TestKey make(const std::string& name, int bits = 2048) {
        const fs::path p12 = dir / (name + ".p12");
        test::run("keytool -genkeypair -alias " + name + " -keyalg RSA -keysize " + std::to_string(bits) + " -validity 30 -dname CN=ksc-test-" +
                  name + " -ext KU=digitalSignature,keyEncipherment,dataEncipherment -storetype PKCS12 -keystore " +
                  q(p12) + " -storepass changeit -keypass changeit");
        const fs::path bags = dir / (name + ".bags.pem");
        test::run("openssl pkcs12 -in " + q(p12) + " -passin pass:changeit -nodes -nocerts -out " + q(bags));
        TestKey k;
        k.key_pem = dir / (name + ".key");
        k.pub_pem = dir / (name + ".pub");
        test::run("openssl pkey -in " + q(bags) + " -out " + q(k.key_pem));
        test::run("openssl pkey -in " + q(k.key_pem) + " -pubout -out " + q(k.pub_pem));
        const fs::path certs = dir / (name + ".certs.pem");
        const fs::path crt = dir / (name + ".crt");
        test::run("openssl pkcs12 -in " + q(p12) + " -passin pass:changeit -nokeys -clcerts -out " + q(certs));
        test::run("openssl x509 -in " + q(certs) + " -out " + q(crt));
        load(k, p12, name, crt);
        return k;
    }

    TestKey twin_of(const TestKey& of, const std::string& name) {
        TestKey k;
        k.key_pem = of.key_pem;
        k.pub_pem = of.pub_pem;
        const fs::path crt = dir / (name + ".crt");
        test::run("openssl req -new -x509 -key " + q(of.key_pem) + " -subj /CN=ksc-test-" + name +
                  " -days 30 -addext keyUsage=keyEncipherment,dataEncipherment -out " + q(crt));
        load(k, of.loaded.file, name, crt);
        return k;
    }

    static void load(TestKey& k, const fs::path& file, const std::string& alias, const fs::path& crt) {
        k.loaded.file = file;
        k.loaded.alias = alias;
        k.loaded.type = KeystoreType::pkcs12;
        k.loaded.certificate = Botan::X509_Certificate(crt.string());
        k.loaded.facts = describe_certificate(k.loaded.certificate);
        Botan::DataSource_Stream src(k.key_pem.string());
        k.loaded.private_key = std::shared_ptr<const Botan::Private_Key>(Botan::PKCS8::load_key(src));
        // The thumbprint is what self-contained values are matched by: check it against openssl.
        std::string fp = test::run_output("openssl x509 -noout -fingerprint -sha1 -in " + q(crt));
        fp = fp.substr(fp.find('=') + 1);
        fp.erase(std::remove_if(fp.begin(), fp.end(), [](char c) { return c == ':' || c == '\n'; }), fp.end());
        REQUIRE(k.loaded.facts.thumbprint_sha1 == fp);
    }

    fs::path scratch(const std::string& what) { return dir / (what + std::to_string(++counter)); }

    static std::string openssl_padding(std::string_view transformation) {
        switch (Transformation::parse(transformation).padding) {
            case RsaPadding::pkcs1_v15: return " -pkeyopt rsa_padding_mode:pkcs1";
            case RsaPadding::oaep_sha1:
                return " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1 -pkeyopt rsa_mgf1_md:sha1";
            case RsaPadding::oaep_sha256_mgf1_sha1:
                return " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha1";
        }
        return {};
    }

    // An RSA block made by openssl for `k`.
    Bytes openssl_encrypt(const TestKey& k, std::string_view transformation, const std::string& plaintext) {
        const fs::path in = scratch("pt"), out = scratch("ct");
        test::write(in, plaintext);
        test::run("openssl pkeyutl -encrypt -pubin -inkey " + q(k.pub_pem) + openssl_padding(transformation) +
                  " -in " + q(in) + " -out " + q(out));
        const std::string s = test::slurp(out);
        return Bytes(s.begin(), s.end());
    }

    std::string openssl_decrypt(const TestKey& k, std::string_view transformation, ByteView block) {
        const fs::path in = scratch("ct"), out = scratch("pt");
        test::write(in, std::string(block.begin(), block.end()));
        test::run("openssl pkeyutl -decrypt -inkey " + q(k.key_pem) + openssl_padding(transformation) + " -in " +
                  q(in) + " -out " + q(out));
        return test::slurp(out);
    }

    // An independent check (Botan directly, not ValueMigrator) used to keep the test
    // material deterministic.
    bool opens(const TestKey& k, RsaPadding p, ByteView block) {
        Botan::PK_Decryptor_EME dec(*k.loaded.private_key, rng, botan_eme(p));
        try {
            dec.decrypt(block.data(), block.size());
            return true;
        } catch (const std::exception&) {
            return false;
        }
    }

    // A block for `k` that `other` does not open with PKCS#1 v1.5. Without this, about
    // one run in 65,000 would meet a chance PKCS#1 success under the wrong key (the
    // very case the migrator guards against) and count other operations or states.
    Bytes block_for(const TestKey& k, std::string_view transformation, const TestKey& other,
                    const std::string& plaintext = secret) {
        for (int i = 0; i < 10; ++i) {
            Bytes block = openssl_encrypt(k, transformation, plaintext);
            if (!opens(other, RsaPadding::pkcs1_v15, block)) return block;
        }
        FAIL("no unambiguous block in 10 tries");
        return {};
    }

    // A damaged block: a real one with one byte changed, chosen so that neither key opens
    // it under either padding (a chance PKCS#1 success would make it another case).
    Bytes damaged_block() {
        Bytes block = openssl_encrypt(a, oaep_sha1, secret);
        for (size_t i = 100; i < block.size(); ++i) {
            block[i] ^= 0x5A;
            bool any = false;
            for (const TestKey* k : {&a, &b})
                for (RsaPadding p : {RsaPadding::oaep_sha1, RsaPadding::pkcs1_v15}) any = any || opens(*k, p, block);
            if (!any) return block;
        }
        FAIL("no damaged block found");
        return {};
    }
};

Fixture& fx() {
    static Fixture f;
    return f;
}

MigrationKeys a_to_b() { return MigrationKeys{&fx().a.loaded, &fx().b.loaded}; }

// A third key of another size, made once (its files are reused by openssl).
const TestKey& key_3072() {
    static const TestKey k = fx().make("c3072", 3072);
    return k;
}

std::string tp(const TestKey& k) { return k.loaded.facts.thumbprint_sha1; }

std::string b64(const std::string& s) {
    return Botan::base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string text(const SecureBytes& b) { return std::string(b.begin(), b.end()); }

// Classifies and checks the number of private-key operations it took.
Classification classify_counting(ValueMigrator& m, std::string_view value, ClassifyMode mode, uint64_t expected_ops) {
    const uint64_t before = m.private_ops();
    Classification c = m.classify(value, mode);
    CHECK_MESSAGE(m.private_ops() - before == expected_ops, "state " << to_string(c.state) << " " << c.reason);
    return c;
}

}  // namespace

TEST_CASE("value_state: state names are exactly those the reports print") {
    std::string all;
    for (ValueState s : all_value_states) all += to_string(s) + ",";
    CHECK(all == "empty,source,target,foreign,undecryptable,not_encrypted,symmetric,");
}

TEST_CASE("value_state: plan (full mode) tells every state apart") {
    auto& f = fx();
    ValueMigrator m(a_to_b());

    SUBCASE("empty, not encrypted and symmetric values cost no private-key operation") {
        CHECK(classify_counting(m, "", ClassifyMode::full, 0).state == ValueState::empty);

        const Classification hello = classify_counting(m, "hello", ClassifyMode::full, 0);
        CHECK(hello.state == ValueState::not_encrypted);
        CHECK(!hello.reason.empty());
        CHECK(hello.reason.find("hello") == std::string::npos);

        // Format 3 as Carbon writes it (outer JSON around the Base64 of the inner one).
        const std::string inner = R"({"cipher":"q83vEjRWeJA=","initializationVector":"AAECAwQFBgcICQoLDA0ODw=="})";
        const std::string outer = R"({"c":")" + b64(inner) + R"(","t":"AES/GCM/NoPadding","iv":"AAECAwQFBgcICQoLDA0ODw=="})";
        CHECK(classify_counting(m, b64(outer), ClassifyMode::full, 0).state == ValueState::symmetric);
        // Format 4, the cipher tool's.
        const std::string vault = R"({"cipherText":"q83vEjRWeJA=","iv":"AAECAwQFBgcICQoLDA0ODw=="})";
        CHECK(classify_counting(m, b64(vault), ClassifyMode::full, 0).state == ValueState::symmetric);

        // Base64 of 128 bytes: a block for neither 2048-bit key.
        const std::string short_block = b64(std::string(128, '\x42'));
        const Classification c = classify_counting(m, short_block, ClassifyMode::full, 0);
        CHECK(c.state == ValueState::not_encrypted);
        CHECK(c.reason.find("256") != std::string::npos);
    }

    SUBCASE("plain OAEP under the source key: one private-key operation") {
        const Classification c =
            classify_counting(m, write_plain(f.openssl_encrypt(f.a, oaep_sha1, secret)), ClassifyMode::full, 1);
        CHECK(c.state == ValueState::source);
        CHECK(!c.self_contained);
        REQUIRE(c.transformation);
        CHECK(c.transformation->name == oaep_sha1);
        CHECK(c.has_plaintext);
        CHECK(text(c.plaintext) == secret);
    }

    SUBCASE("plain PKCS#1 under the source key: one operation per key, every padding checked on it") {
        // The source's operation: OAEP-SHA-1 and OAEP-SHA-256 fail, PKCS#1 opens; the
        // target's: no padding checks, so the value is not ambiguous.
        const Classification c =
            classify_counting(m, write_plain(f.block_for(f.a, pkcs1, f.b)), ClassifyMode::full, 2);
        CHECK(c.state == ValueState::source);
        REQUIRE(c.transformation);
        CHECK(c.transformation->name == "RSA");
        CHECK(c.transformation->padding == RsaPadding::pkcs1_v15);
        CHECK(text(c.plaintext) == secret);
    }

    SUBCASE("plain values under the target key") {
        // No padding checks under the source's operation, OAEP does under the target's.
        // (Should source PKCS#1 open by chance, target OAEP is still tried and still wins.)
        CHECK(classify_counting(m, write_plain(f.openssl_encrypt(f.b, oaep_sha1, secret)), ClassifyMode::full, 2)
                  .state == ValueState::target);
        const Classification c =
            classify_counting(m, write_plain(f.block_for(f.b, pkcs1, f.a)), ClassifyMode::full, 2);
        CHECK(c.state == ValueState::target);
        CHECK(c.plaintext.empty());  // not needed, not kept
    }

    SUBCASE("self-contained values are matched by thumbprint, case-insensitively") {
        const Bytes block = f.openssl_encrypt(f.a, oaep_sha1, secret);
        Classification c = classify_counting(m, write_self_contained(block, oaep_sha1, tp(f.a)), ClassifyMode::full, 1);
        CHECK(c.state == ValueState::source);
        CHECK(c.self_contained);
        CHECK(c.transformation->name == oaep_sha1);
        CHECK(text(c.plaintext) == secret);

        std::string lower_tp = tp(f.a);
        std::transform(lower_tp.begin(), lower_tp.end(), lower_tp.begin(), [](char ch) {
            return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        });
        c = classify_counting(m, write_self_contained(block, "rsa/ecb/oaepwithsha1andmgf1padding", lower_tp),
                              ClassifyMode::full, 1);
        CHECK(c.state == ValueState::source);
        CHECK(c.transformation->name == "rsa/ecb/oaepwithsha1andmgf1padding");  // kept as written

        const Bytes for_b = f.openssl_encrypt(f.b, oaep_sha1, secret);
        CHECK(classify_counting(m, write_self_contained(for_b, oaep_sha1, tp(f.b)), ClassifyMode::full, 0).state ==
              ValueState::target);

        const std::string other = "0123456789ABCDEF0123456789ABCDEF01234567";
        c = classify_counting(m, write_self_contained(block, oaep_sha1, other), ClassifyMode::full, 0);
        CHECK(c.state == ValueState::foreign);
        CHECK(c.reason.find(other) != std::string::npos);
    }

    SUBCASE("undecryptable values") {
        // A damaged plain block: every padding under both keys' operations.
        Classification c = classify_counting(m, write_plain(f.damaged_block()), ClassifyMode::full, 2);
        CHECK(c.state == ValueState::undecryptable);
        CHECK(c.reason == "decrypts under neither key");

        // The source's thumbprint on a block that is not the source's.
        c = classify_counting(
            m, write_self_contained(f.openssl_encrypt(f.b, oaep_sha1, secret), oaep_sha1, tp(f.a)),
            ClassifyMode::full, 1);
        CHECK(c.state == ValueState::undecryptable);
        CHECK(c.reason == "does not decrypt under the source key");
        CHECK(c.plaintext.empty());

        // A transformation nobody can decrypt with.
        c = classify_counting(
            m, write_self_contained(f.openssl_encrypt(f.a, oaep_sha1, secret), "RSA/ECB/NoSuchPadding", tp(f.a)),
            ClassifyMode::full, 0);
        CHECK(c.state == ValueState::undecryptable);
        CHECK(c.reason.find("unknown transformation") != std::string::npos);
    }
}

TEST_CASE("value_state: quick mode judges self-contained values by thumbprint, without the private key") {
    auto& f = fx();
    ValueMigrator m(a_to_b());
    const Bytes block = f.openssl_encrypt(f.a, oaep_sha1, secret);

    const Classification src = m.classify(write_self_contained(block, oaep_sha1, tp(f.a)), ClassifyMode::quick);
    CHECK(src.state == ValueState::source);
    CHECK(src.self_contained);
    CHECK(src.transformation->name == oaep_sha1);
    CHECK(!src.has_plaintext);
    CHECK(m.classify(write_self_contained(block, oaep_sha1, tp(f.b)), ClassifyMode::quick).state ==
          ValueState::target);
    CHECK(m.classify(write_self_contained(block, oaep_sha1, std::string(40, 'E')), ClassifyMode::quick).state ==
          ValueState::foreign);
    // Quick proves nothing about the block: a damaged one still counts as source here
    // (the full plan is what proves run can succeed).
    CHECK(m.classify(write_self_contained(f.damaged_block(), oaep_sha1, tp(f.a)), ClassifyMode::quick).state ==
          ValueState::source);
    // An unknown transformation is caught without a private-key operation.
    CHECK(m.classify(write_self_contained(block, "RSA/ECB/NoSuchPadding", tp(f.a)), ClassifyMode::quick).state ==
          ValueState::undecryptable);
    CHECK(m.private_ops() == 0);

    // Without the plaintext there is nothing to re-encrypt: refused, not an empty secret.
    CHECK_THROWS_AS(m.reencrypt(src), Error);

    // Plain values carry no key id: quick mode still has to decrypt them.
    const Classification plain = m.classify(write_plain(block), ClassifyMode::quick);
    CHECK(plain.state == ValueState::source);
    CHECK(text(plain.plaintext) == secret);
    CHECK(m.private_ops() == 1);
}

TEST_CASE("value_state: reencrypt keeps format and transformation, and openssl opens it with the target key") {
    auto& f = fx();
    ValueMigrator m(a_to_b());

    struct Case {
        bool self_contained;
        std::string transformation;
    };
    const Case cases[] = {{false, oaep_sha1},   {false, pkcs1},
                          {true, oaep_sha1},    {true, pkcs1},
                          {true, oaep_sha256},  {true, "RSA/ECB/PKCS1Padding"},
                          {true, "rsa/ecb/oaepwithsha1andmgf1padding"}};
    for (const Case& k : cases) {
        CAPTURE(k.self_contained);
        CAPTURE(k.transformation);
        const Bytes block = f.block_for(f.a, k.transformation, f.b);
        const std::string old_value =
            k.self_contained ? write_self_contained(block, k.transformation, tp(f.a)) : write_plain(block);
        const Classification c = m.classify(old_value, ClassifyMode::full);
        REQUIRE(c.state == ValueState::source);

        const std::string new_value = m.reencrypt(c);
        const ParsedCiphertext before = parse_ciphertext(old_value, 256);
        const ParsedCiphertext after = parse_ciphertext(new_value, 256);
        CHECK(after.format == before.format);
        CHECK(after.transformation == before.transformation);  // exactly as written, case too
        if (k.self_contained) CHECK(after.thumbprint == tp(f.b));
        CHECK(after.rsa_block.size() == 256);
        // Plain values carry no transformation: the one that opened it is used again.
        const std::string used = k.self_contained ? k.transformation : c.transformation->name;
        CHECK(f.openssl_decrypt(f.b, used, after.rsa_block) == secret);

        // And the migrator itself now sees it under the target key, in every mode.
        CHECK(m.classify(new_value, ClassifyMode::full).state == ValueState::target);
        CHECK(m.classify(new_value, ClassifyMode::verify).state == ValueState::target);
    }

    // Only a `source` classification with its plaintext can be re-encrypted.
    CHECK_THROWS_AS(m.reencrypt(m.classify("hello", ClassifyMode::full)), Error);
}

TEST_CASE("value_state: a PKCS#1 v1.5 success is never taken as proof of the key") {
    auto& f = fx();
    // A block that opens under two different 2048-bit keys with PKCS#1 v1.5 turns up
    // about once in 2^32 random blocks (each key: about 2^-16), so brute force is out of
    // the question for a unit test. Instead the "target" is a second certificate for the
    // source's key pair: two thumbprints, one key, so every PKCS#1 block opens under both
    // and the real ambiguity path runs. (The CLI refuses such a pair; the migrator must
    // still never rewrite what it cannot attribute.)
    ValueMigrator m(MigrationKeys{&f.a.loaded, &f.a_twin.loaded});
    const Bytes pkcs1_block = f.openssl_encrypt(f.a, pkcs1, secret);

    for (ClassifyMode mode : {ClassifyMode::full, ClassifyMode::quick, ClassifyMode::verify}) {
        // PKCS#1 (and no OAEP) opens under each key's operation.
        const Classification c = classify_counting(m, write_plain(pkcs1_block), mode, 2);
        CHECK(c.state == ValueState::undecryptable);
        CHECK(c.reason == "ambiguous: opens under both keys with PKCS#1 v1.5");
        CHECK(c.plaintext.empty());
    }

    // OAEP is proof: the first key tried wins, with no further trial.
    const Classification oaep = classify_counting(m, write_plain(f.openssl_encrypt(f.a, oaep_sha1, secret)),
                                                  ClassifyMode::full, 1);
    CHECK(oaep.state == ValueState::source);

    // A self-contained PKCS#1 value names its key: no ambiguity, one operation.
    const Classification named =
        classify_counting(m, write_self_contained(pkcs1_block, pkcs1, tp(f.a)), ClassifyMode::full, 1);
    CHECK(named.state == ValueState::source);
    CHECK(text(named.plaintext) == secret);

    // What we write is never ambiguous: a new plain PKCS#1 block that opens under the
    // source key is made again; with one key pair behind both it never succeeds, and
    // the migrator refuses after a bounded number of tries instead of writing it.
    Classification by_hand;
    by_hand.state = ValueState::source;
    by_hand.transformation = Transformation::parse(pkcs1);
    by_hand.has_plaintext = true;
    by_hand.plaintext.assign(secret.begin(), secret.end());
    const uint64_t before = m.private_ops();
    try {
        m.reencrypt(by_hand);
        FAIL("an ambiguous value was written");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        CHECK(std::string(e.what()).find(secret) == std::string::npos);
    }
    CHECK(m.private_ops() - before == 8);
    // The same plaintext self-contained is fine: its thumbprint names the key.
    by_hand.self_contained = true;
    CHECK(parse_ciphertext(m.reencrypt(by_hand), 256).thumbprint == tp(f.a_twin));
}

TEST_CASE("value_state: verify mode wants every value under the target key") {
    auto& f = fx();
    ValueMigrator m(a_to_b());

    // Migrated values (made by the migrator from source values) are target.
    const Classification plain_src = m.classify(write_plain(f.block_for(f.a, oaep_sha1, f.b)), ClassifyMode::full);
    const std::string migrated_plain = m.reencrypt(plain_src);
    CHECK(classify_counting(m, migrated_plain, ClassifyMode::verify, 1).state == ValueState::target);
    const Classification sc_src =
        m.classify(write_self_contained(f.openssl_encrypt(f.a, oaep_sha1, secret), oaep_sha1, tp(f.a)),
                   ClassifyMode::full);
    const std::string migrated_sc = m.reencrypt(sc_src);
    CHECK(classify_counting(m, migrated_sc, ClassifyMode::verify, 1).state == ValueState::target);
    // Target PKCS#1 (made by openssl): the target's operation, then the source's to
    // rule out ambiguity.
    CHECK(classify_counting(m, write_plain(f.block_for(f.b, pkcs1, f.a)), ClassifyMode::verify, 2).state ==
          ValueState::target);

    // Unmigrated values are source: the migration's failure verify reports.
    const Classification left = classify_counting(m, write_plain(f.block_for(f.a, oaep_sha1, f.b)),
                                                  ClassifyMode::verify, 2);
    CHECK(left.state == ValueState::source);
    CHECK(classify_counting(m, write_plain(f.block_for(f.a, pkcs1, f.b)), ClassifyMode::verify, 2).state ==
          ValueState::source);
    CHECK(classify_counting(
              m, write_self_contained(f.openssl_encrypt(f.a, oaep_sha1, secret), oaep_sha1, tp(f.a)),
              ClassifyMode::verify, 0)
              .state == ValueState::source);

    // The target's thumbprint is not enough: the block must open under the target key.
    const Classification lying = classify_counting(
        m, write_self_contained(f.openssl_encrypt(f.a, oaep_sha1, secret), oaep_sha1, tp(f.b)),
        ClassifyMode::verify, 1);
    CHECK(lying.state == ValueState::undecryptable);
    CHECK(lying.reason == "does not decrypt under the target key");
    CHECK(classify_counting(m, write_plain(f.damaged_block()), ClassifyMode::verify, 2).state ==
          ValueState::undecryptable);
}

TEST_CASE("value_state: keys of different sizes try each block only under the key it fits") {
    auto& f = fx();
    const TestKey& big = key_3072();
    ValueMigrator m(MigrationKeys{&f.a.loaded, &big.loaded});

    // A 256-byte block is never offered to the 3072-bit key, a 384-byte one never to
    // the 2048-bit key: no wasted private-key operation, no chance success.
    const Classification src = classify_counting(m, write_plain(f.openssl_encrypt(f.a, pkcs1, secret)),
                                                 ClassifyMode::full, 1);
    CHECK(src.state == ValueState::source);
    CHECK(classify_counting(m, write_plain(f.openssl_encrypt(big, oaep_sha1, secret)), ClassifyMode::full, 1)
              .state == ValueState::target);
    CHECK(classify_counting(m, write_plain(f.openssl_encrypt(big, pkcs1, secret)), ClassifyMode::full, 1).state ==
          ValueState::target);

    const std::string migrated = m.reencrypt(src);
    const ParsedCiphertext p = parse_ciphertext(migrated, 384);
    REQUIRE(p.format == CiphertextFormat::plain);
    CHECK(f.openssl_decrypt(big, pkcs1, p.rsa_block) == secret);
    CHECK(classify_counting(m, migrated, ClassifyMode::verify, 1).state == ValueState::target);
}

TEST_CASE("value_state: plain OAEP-SHA-256 values (kscipher writes them) are found and keep their padding") {
    auto& f = fx();
    ValueMigrator m(a_to_b());
    // openssl's OAEP with SHA-256 and MGF1 on SHA-1, as the JCE name means.
    const Classification c =
        classify_counting(m, write_plain(f.openssl_encrypt(f.a, oaep_sha256, secret)), ClassifyMode::full, 1);
    REQUIRE(c.state == ValueState::source);
    REQUIRE(c.transformation);
    CHECK(c.transformation->padding == RsaPadding::oaep_sha256_mgf1_sha1);
    CHECK(text(c.plaintext) == secret);
    const ParsedCiphertext p = parse_ciphertext(m.reencrypt(c), 256);
    REQUIRE(p.format == CiphertextFormat::plain);
    CHECK(f.openssl_decrypt(f.b, oaep_sha256, p.rsa_block) == secret);
    // Under the target it is proof of the target key, like OAEP-SHA-1.
    CHECK(classify_counting(m, write_plain(f.openssl_encrypt(f.b, oaep_sha256, secret)), ClassifyMode::full, 2)
              .state == ValueState::target);
}

TEST_CASE("value_state: a plaintext too long for a smaller target key is not migratable, and says so") {
    auto& f = fx();
    const TestKey& big = key_3072();
    ValueMigrator m(MigrationKeys{&big.loaded, &f.a.loaded});
    // 300 bytes fit OAEP-SHA-1 under 3072 bits (342) but not under 2048 (214).
    const std::string long_secret(300, 'x');
    for (const std::string& value :
         {write_plain(f.openssl_encrypt(big, oaep_sha1, long_secret)),
          write_self_contained(f.openssl_encrypt(big, oaep_sha1, long_secret), oaep_sha1, tp(big))}) {
        const Classification c = m.classify(value, ClassifyMode::full);
        CHECK(c.state == ValueState::undecryptable);
        CHECK(c.reason.find("too long for the target key") != std::string::npos);
        CHECK(c.reason.find("214") != std::string::npos);
        CHECK(c.plaintext.empty());
    }
    // A short one under the same keys moves as usual.
    const Classification ok = m.classify(write_plain(f.openssl_encrypt(big, oaep_sha1, secret)), ClassifyMode::full);
    CHECK(ok.state == ValueState::source);
}

// ---- AES keys on either side (the cipher-suite seam). Values are made by Java's AES peer
// (tests/java/AesPeer.java, WSO2's way) or openssl, and what we write is read back by them.
namespace {

const std::string aes_old_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string aes_new_hex = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

struct AesKeys {
    AesKey old_key = parse_aes_key_text(aes_old_hex, "[encryption] old_key");
    AesKey new_key = parse_aes_key_text(aes_new_hex, "[encryption] key");
};
const AesKeys& aes() {
    static const AesKeys k;
    return k;
}

std::string java_carbon(const std::string& hex, const std::string& plaintext) {
    return test::aes_peer("encrypt-carbon text:" + hex + " keyids", {b64(plaintext)}).at(0);
}
std::string java_plain(const std::string& line) {
    const auto d = Botan::base64_decode(line);
    return std::string(d.begin(), d.end());
}

// A source value written as `was` and moved by `m` to format 3 under the new key (its
// keyId named, verify finding it under the target): the new value.
std::string moved_to_format3(ValueMigrator& m, const std::string& v, CiphertextFormat was, const std::string& plaintext) {
    const Classification c = m.classify(v, ClassifyMode::full);
    REQUIRE(c.state == ValueState::source);
    CHECK(c.format == was);
    CHECK(text(c.plaintext) == plaintext);
    const std::string out = m.reencrypt(c);
    const ParsedCiphertext p = parse_ciphertext(out);
    CHECK(p.format == CiphertextFormat::symmetric_carbon);
    CHECK(p.key_id == aes().new_key.id);
    CHECK(m.classify(out, ClassifyMode::verify).state == ValueState::target);
    return out;
}

}  // namespace

TEST_CASE("value_state (AES): RSA -> AES moves plain and self-contained values to format 3 that Java reads") {
    auto& f = fx();
    MigrationKeys keys;
    keys.source = &f.a.loaded;
    keys.target = &aes().new_key;
    ValueMigrator m(keys);
    const std::string plain = write_plain(f.openssl_encrypt(f.a, oaep_sha1, secret));
    const std::string self_contained = write_self_contained(f.openssl_encrypt(f.a, pkcs1, secret), pkcs1, tp(f.a));
    const std::vector<std::string> moved = {moved_to_format3(m, plain, CiphertextFormat::plain, secret),
                                            moved_to_format3(m, self_contained, CiphertextFormat::self_contained, secret)};
    // Java, with key and old_key set as after the upgrade, picks `key` by keyId.
    const auto back = test::aes_peer("decrypt-carbon text:" + aes_new_hex + " text:" + aes_old_hex, moved);
    REQUIRE(back.size() == 2);
    for (const auto& b : back) CHECK(java_plain(b) == secret);

    // Already under the target (Java wrote it): target. Under another AES key: foreign.
    CHECK(m.classify(java_carbon(aes_new_hex, secret), ClassifyMode::full).state == ValueState::target);
    const Classification other = m.classify(java_carbon(aes_old_hex, secret), ClassifyMode::full);
    CHECK(other.state == ValueState::foreign);
    CHECK(other.reason.find(secret) == std::string::npos);
    // An RSA value of another key: undecryptable as before.
    CHECK(m.classify(write_plain(f.block_for(f.b, oaep_sha1, f.a)), ClassifyMode::full).state ==
          ValueState::undecryptable);
    CHECK(m.classify("hello", ClassifyMode::full).state == ValueState::not_encrypted);
}

TEST_CASE("value_state (AES): rotation old_key -> key, formats 3 and 4 keep their form, Java reads the result") {
    MigrationKeys keys;
    keys.source = &aes().old_key;
    keys.target = &aes().new_key;
    ValueMigrator m(keys);
    const std::string v3 = java_carbon(aes_old_hex, secret);
    const std::string v3_iv16 = test::aes_peer("encrypt-carbon text:" + aes_old_hex + " iv16", {b64(secret)}).at(0);
    const std::string v4 = test::aes_peer("encrypt-vault text:" + aes_old_hex, {b64(secret)}).at(0);

    std::vector<std::string> carbon;
    for (const std::string& v : {v3, v3_iv16}) {
        const Classification c = m.classify(v, ClassifyMode::full);
        REQUIRE(c.state == ValueState::source);
        CHECK(c.format == CiphertextFormat::symmetric_carbon);
        const std::string out = m.reencrypt(c);
        CHECK(parse_ciphertext(out).key_id == aes().new_key.id);
        CHECK(m.classify(out, ClassifyMode::full).state == ValueState::target);
        carbon.push_back(out);
    }
    for (const auto& b : test::aes_peer("decrypt-carbon text:" + aes_new_hex + " text:" + aes_old_hex, carbon))
        CHECK(java_plain(b) == secret);

    const Classification c4 = m.classify(v4, ClassifyMode::full);
    REQUIRE(c4.state == ValueState::source);
    const std::string out4 = m.reencrypt(c4);
    CHECK(parse_ciphertext(out4).format == CiphertextFormat::symmetric_vault);
    CHECK(java_plain(test::aes_peer("decrypt-vault text:" + aes_new_hex, {out4}).at(0)) == secret);

    // Verify after a run: a value still under old_key is `source`, the moved ones `target`.
    CHECK(m.classify(v3, ClassifyMode::verify).state == ValueState::source);
    CHECK(m.classify(carbon[0], ClassifyMode::verify).state == ValueState::target);
    // A value whose keyId names the source key but whose tag fails: damaged, not foreign.
    ParsedCiphertext p = parse_ciphertext(v3);
    p.aes_ciphertext[3] ^= 0x10;
    const Classification damaged = m.classify(write_symmetric_carbon(p.iv, p.aes_ciphertext, p.key_id), ClassifyMode::full);
    CHECK(damaged.state == ValueState::undecryptable);
    CHECK(damaged.reason.find("source") != std::string::npos);
    // An RSA value in an AES-only change: a self-contained one is under neither key.
    auto& f = fx();
    CHECK(m.classify(write_self_contained(f.openssl_encrypt(f.a, oaep_sha1, secret), oaep_sha1, tp(f.a)),
                     ClassifyMode::full)
              .state == ValueState::foreign);
    // No RSA operation was ever done.
    CHECK(m.private_ops() == 0);
}

TEST_CASE("value_state (AES): AES -> RSA writes self-contained OAEP-SHA1 that openssl opens with the target key") {
    auto& f = fx();
    MigrationKeys keys;
    keys.source = &aes().new_key;
    keys.target = &f.b.loaded;
    ValueMigrator m(keys);
    const Classification c = m.classify(java_carbon(aes_new_hex, secret), ClassifyMode::full);
    REQUIRE(c.state == ValueState::source);
    const std::string out = m.reencrypt(c);
    const ParsedCiphertext p = parse_ciphertext(out, 256);
    REQUIRE(p.format == CiphertextFormat::self_contained);
    CHECK(p.transformation == oaep_sha1);
    CHECK(p.thumbprint == tp(f.b));
    CHECK(f.openssl_decrypt(f.b, oaep_sha1, p.rsa_block) == secret);
    CHECK(m.classify(out, ClassifyMode::verify).state == ValueState::target);
    // A plaintext too long for RSA-2048 with OAEP-SHA1 cannot move: undecryptable, with the limit.
    const Classification big = m.classify(java_carbon(aes_new_hex, std::string(300, 'x')), ClassifyMode::full);
    CHECK(big.state == ValueState::undecryptable);
    CHECK(big.reason.find("214") != std::string::npos);
}

namespace {

// Java's legacy raw AES values (Cipher.getInstance("AES"), IS 5.10) of `plaintexts` under KEY.
std::vector<std::string> java_raw(const std::string& hex, const std::vector<std::string>& plaintexts) {
    std::vector<std::string> in;
    for (const auto& p : plaintexts) in.push_back(b64(p));
    return test::aes_peer("encrypt-raw text:" + hex, in);
}

// A raw AES value whose padding checks under `key` but whose plaintext is bytes, not text:
// what a wrong key or a plaintext Base64 value gives about 1 time in 256.
std::string raw_binary_under(const AesKey& key) {
    const Bytes binary = {0x00, 0x9f, 0xff, 0x01, 0x02, 0xc3, 0x28, 0x7f, 0x80, 0x1b};
    return make_aes_suite(key, AesReading{true})->seal(binary, SealSpec::aes_value(CiphertextFormat::raw_aes));
}

MigrationKeys rotation(RawAes raw) {
    MigrationKeys keys;
    keys.source = &aes().old_key;
    keys.target = &aes().new_key;
    keys.raw_aes = raw;
    return keys;
}

}  // namespace

TEST_CASE("value_state (AES): without --raw-aes a raw AES value under the source key is never left unseen") {
    const auto raw_old = java_raw(aes_old_hex, {secret, "s3cr\xc3\xa9t\tline\n"});
    const auto raw_new = java_raw(aes_new_hex, {secret});
    ValueMigrator m(rotation(RawAes::off));
    for (const auto& v : raw_old)
        for (const auto mode : {ClassifyMode::full, ClassifyMode::quick, ClassifyMode::verify}) {
            const Classification c = m.classify(v, mode);
            CHECK(c.state == ValueState::undecryptable);
            CHECK(c.reason.find("--raw-aes") != std::string::npos);
            CHECK(c.reason.find(secret) == std::string::npos);
        }
    // Under the target key (the product reads raw values with `key`), binary under the
    // source key, or plain Base64 text: what they were without the option.
    CHECK(m.classify(raw_new.at(0), ClassifyMode::full).state == ValueState::not_encrypted);
    const Classification binary = m.classify(raw_binary_under(aes().old_key), ClassifyMode::full);
    CHECK(binary.state == ValueState::not_encrypted);
    CHECK(binary.raw_aes == RawAesSign::not_text);   // for plan's advice
    CHECK(m.classify(b64(std::string(32, 'q')), ClassifyMode::full).state == ValueState::not_encrypted);
    CHECK(m.classify(raw_old.at(0), ClassifyMode::full).raw_aes == RawAesSign::unasked);
    // RSA -> AES: the source is RSA, so there is no raw AES value to look for.
    auto& f = fx();
    MigrationKeys up;
    up.source = &f.a.loaded;
    up.target = &aes().new_key;
    ValueMigrator u(up);
    CHECK(u.classify(java_raw(aes_new_hex, {secret}).at(0), ClassifyMode::full).state == ValueState::not_encrypted);
}

TEST_CASE("value_state (AES): --raw-aes gcm moves raw AES values to format 3 that Java reads with key and old_key") {
    ValueMigrator m(rotation(RawAes::to_gcm));
    const std::vector<std::string> plaintexts = {secret, std::string(40, 'z'), ""};
    const auto raw_old = java_raw(aes_old_hex, plaintexts);
    // (Opening to text under the new key too, which would make one ambiguous, has odds of
    // about 1 in 10^7 or less; these keys and plaintexts are fixed.)
    std::vector<std::string> moved;
    for (size_t i = 0; i < raw_old.size(); ++i)
        moved.push_back(moved_to_format3(m, raw_old[i], CiphertextFormat::raw_aes, plaintexts[i]));
    const auto back = test::aes_peer("decrypt-carbon text:" + aes_new_hex + " text:" + aes_old_hex, moved);
    REQUIRE(back.size() == 3);
    for (size_t i = 0; i < back.size(); ++i) CHECK(java_plain(back[i]) == plaintexts[i]);
    // Raw under the target already: target, left as it is (marked for plan's advice). Binary
    // under the source key, plain Base64 text of any length: not encrypted.
    const Classification under_target = m.classify(java_raw(aes_new_hex, {secret}).at(0), ClassifyMode::full);
    CHECK(under_target.state == ValueState::target);
    CHECK(under_target.raw_aes == RawAesSign::under_target);
    CHECK(m.classify(raw_binary_under(aes().old_key), ClassifyMode::full).state == ValueState::not_encrypted);
    // 32 bytes; 64 and 256 bytes, which read as plain RSA blocks too (no RSA key here).
    for (const size_t n : {32, 64, 256}) {
        CAPTURE(n);
        CHECK(m.classify(b64(std::string(n, 'q')), ClassifyMode::full).state == ValueState::not_encrypted);
    }
    // verify: one still under old_key is `source`.
    CHECK(m.classify(raw_old.at(0), ClassifyMode::verify).state == ValueState::source);
}

TEST_CASE("value_state (AES): --raw-aes keep rewrites raw AES values as raw AES under key, which Java reads") {
    ValueMigrator m(rotation(RawAes::keep));
    const Classification c = m.classify(java_raw(aes_old_hex, {secret}).at(0), ClassifyMode::full);
    REQUIRE(c.state == ValueState::source);
    const std::string out = m.reencrypt(c);
    CHECK(parse_ciphertext(out).format != CiphertextFormat::symmetric_carbon);
    CHECK(java_plain(test::aes_peer("decrypt-raw text:" + aes_new_hex, {out}).at(0)) == secret);
    // What we wrote never opens under the source key (weak values are made again until so).
    CHECK(m.classify(out, ClassifyMode::full).state == ValueState::target);
    // Format 3 values keep their form in either mode.
    const Classification g = m.classify(java_carbon(aes_old_hex, secret), ClassifyMode::full);
    REQUIRE(g.state == ValueState::source);
    CHECK(parse_ciphertext(m.reencrypt(g)).format == CiphertextFormat::symmetric_carbon);
}

TEST_CASE("value_state (AES): --raw-aes keep writes a value whose padding also checks under the old key") {
    // ECB has no IV: the same plaintext gives the same bytes on every try. Such a value
    // opens under the old key to bytes that are not text, so it is the new key's, and
    // reencrypt must not take it for "the same key on both sides".
    auto new_raw = make_aes_suite(aes().new_key, AesReading{true});
    auto old_raw = make_aes_suite(aes().old_key, AesReading{true});
    std::string plaintext;
    for (int i = 0; i < 20000 && plaintext.empty(); ++i) {
        const std::string candidate = "secret-" + std::to_string(i);
        const std::string sealed = new_raw->seal(Bytes(candidate.begin(), candidate.end()),
                                                 SealSpec::aes_value(CiphertextFormat::raw_aes));
        if (old_raw->open(parse_raw_aes(sealed))) plaintext = candidate;
    }
    REQUIRE_FALSE(plaintext.empty());   // about 1 in 256 candidates
    ValueMigrator m(rotation(RawAes::keep));
    const Classification c = m.classify(java_raw(aes_old_hex, {plaintext}).at(0), ClassifyMode::full);
    REQUIRE(c.state == ValueState::source);
    const std::string out = m.reencrypt(c);
    CHECK(java_plain(test::aes_peer("decrypt-raw text:" + aes_new_hex, {out}).at(0)) == plaintext);
    CHECK(m.classify(out, ClassifyMode::verify).state == ValueState::target);
}

TEST_CASE("value_state (AES): the journal records the raw AES form of an AES target only") {
    CHECK(journal_raw_aes_form(rotation(RawAes::off)).empty());
    CHECK(journal_raw_aes_form(rotation(RawAes::to_gcm)) == "gcm");
    CHECK(journal_raw_aes_form(rotation(RawAes::keep)) == "keep");
    auto& f = fx();
    MigrationKeys back;
    back.source = &aes().new_key;
    back.target = &f.b.loaded;
    back.raw_aes = RawAes::keep;   // an RSA target: every form ends as self-contained OAEP
    CHECK(journal_raw_aes_form(back).empty());
}

TEST_CASE("value_state (AES): --raw-aes with an RSA target writes self-contained OAEP-SHA1") {
    auto& f = fx();
    MigrationKeys keys;
    keys.source = &aes().new_key;
    keys.target = &f.b.loaded;
    keys.raw_aes = RawAes::to_gcm;
    ValueMigrator m(keys);
    const Classification c = m.classify(java_raw(aes_new_hex, {secret}).at(0), ClassifyMode::full);
    REQUIRE(c.state == ValueState::source);
    const ParsedCiphertext p = parse_ciphertext(m.reencrypt(c), 256);
    REQUIRE(p.format == CiphertextFormat::self_contained);
    CHECK(f.openssl_decrypt(f.b, oaep_sha1, p.rsa_block) == secret);
}
