// RsaEncryptor / RsaDecryptor / Transformation on their own (no Java): names, limits,
// round trips, and the failures that must stay failures. Interop with Java is in
// test_java_interop.cpp.
#include "ksc/error.hpp"
#include "ksc/rsa_cipher.hpp"

#include "test_support.hpp"

#include <botan/auto_rng.h>
#include <botan/ecdsa.h>
#include <botan/rsa.h>
#include <doctest/doctest.h>

#include <string>

using namespace ksc;

namespace {

using test::RsaKeys;
RsaKeys& keys() { return test::rsa_keys(); }

const char* const all_names[] = {"RSA", "RSA/ECB/PKCS1Padding", "RSA/ECB/OAEPwithSHA1andMGF1Padding",
                                 "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"};

}  // namespace

TEST_CASE("rsa: transformation names parse case-insensitively and keep their spelling") {
    CHECK(Transformation::parse("RSA").padding == RsaPadding::pkcs1_v15);
    CHECK(Transformation::parse("RSA/ECB/PKCS1Padding").padding == RsaPadding::pkcs1_v15);
    CHECK(Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding").padding == RsaPadding::oaep_sha1);
    CHECK(Transformation::parse("RSA/ECB/OAEPWithSHA-256AndMGF1Padding").padding ==
          RsaPadding::oaep_sha256_mgf1_sha1);

    const auto lower = Transformation::parse("rsa/ecb/oaepwithsha1andmgf1padding");
    CHECK(lower.padding == RsaPadding::oaep_sha1);
    CHECK(lower.name == "rsa/ecb/oaepwithsha1andmgf1padding");
    const auto mixed = Transformation::parse("RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING");
    CHECK(mixed.padding == RsaPadding::oaep_sha256_mgf1_sha1);
    CHECK(mixed.name == "RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING");
    CHECK(Transformation::parse("rsa").padding == RsaPadding::pkcs1_v15);
}

TEST_CASE("rsa: unknown transformation names are usage errors that list the known ones") {
    for (const char* bad : {"", "AES/GCM/NoPadding", "RSA/ECB/OAEPWithSHA-512AndMGF1Padding",
                            "RSA/ECB/PKCS1Padding ", "RSA/NONE/OAEPPadding"}) {
        CAPTURE(bad);
        try {
            Transformation::parse(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            CHECK(std::string(e.what()).find("unknown transformation") != std::string::npos);
            CHECK(e.hint().find("RSA/ECB/OAEPwithSHA1andMGF1Padding") != std::string::npos);
        }
    }
    // Garbage (control characters, huge) is not echoed back.
    try {
        Transformation::parse(std::string(1000, 'x'));
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).size() < 100);
    }
}

TEST_CASE("rsa: plaintext limits and Botan paddings") {
    CHECK(Transformation::parse("RSA").max_plaintext(256) == 245);
    CHECK(Transformation::parse("RSA/ECB/PKCS1Padding").max_plaintext(256) == 245);
    CHECK(Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding").max_plaintext(256) == 214);
    CHECK(Transformation::parse("RSA/ECB/OAEPWithSHA-256AndMGF1Padding").max_plaintext(256) == 190);
    CHECK(Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding").max_plaintext(128) == 86);
    CHECK(Transformation::parse("RSA/ECB/OAEPWithSHA-256AndMGF1Padding").max_plaintext(512) == 446);
    CHECK(Transformation::parse("RSA/ECB/OAEPWithSHA-256AndMGF1Padding").max_plaintext(40) == 0);
    CHECK(botan_eme(RsaPadding::pkcs1_v15) == "EME-PKCS1-v1_5");
    CHECK(botan_eme(RsaPadding::oaep_sha1) == "OAEP(SHA-1)");
    CHECK(botan_eme(RsaPadding::oaep_sha256_mgf1_sha1) == "OAEP(SHA-256,MGF1(SHA-1))");
}

TEST_CASE("rsa: round trip at the limit for every transformation, one byte more is refused") {
    auto& k = keys();
    for (const char* name : all_names) {
        CAPTURE(name);
        const auto t = Transformation::parse(name);
        const RsaEncryptor enc(k.a, t);
        const RsaDecryptor dec(k.a, t.padding, k.rng);
        CHECK(enc.modulus_bytes() == 256);
        CHECK(dec.modulus_bytes() == 256);
        const size_t limit = t.max_plaintext(256);

        Bytes plain(limit);
        k.rng.randomize(plain.data(), plain.size());
        const Bytes block = enc.encrypt(plain, k.rng);
        CHECK(block.size() == 256);
        const auto back = dec.try_decrypt(block);
        REQUIRE(back);
        CHECK(Bytes(back->begin(), back->end()) == plain);

        const Bytes empty;
        const auto back_empty = dec.try_decrypt(enc.encrypt(empty, k.rng));
        REQUIRE(back_empty);
        CHECK(back_empty->empty());

        // Randomised padding: the same plaintext never gives the same block twice.
        CHECK(enc.encrypt(plain, k.rng) != block);

        const Bytes too_long(limit + 1, 'p');
        try {
            (void)enc.encrypt(too_long, k.rng);
            FAIL("too long plaintext accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::input);
            const std::string msg = e.what();
            CHECK(msg.find(std::to_string(limit) + " bytes") != std::string::npos);
            CHECK(msg.find("ppp") == std::string::npos);  // never the plaintext
        }
    }
}

TEST_CASE("rsa: damaged, truncated and foreign blocks do not decrypt") {
    auto& k = keys();
    const Bytes plain = {'s', 'e', 'c', 'r', 'e', 't'};
    for (const char* name : {"RSA/ECB/OAEPwithSHA1andMGF1Padding", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"}) {
        CAPTURE(name);
        const auto t = Transformation::parse(name);
        const Bytes block = RsaEncryptor(k.a, t).encrypt(plain, k.rng);
        const RsaDecryptor right(k.a, t.padding, k.rng);
        REQUIRE(right.try_decrypt(block));

        for (size_t at : {size_t{0}, size_t{17}, size_t{128}, size_t{255}}) {
            Bytes damaged = block;
            damaged[at] ^= 0x01;
            CHECK_FALSE(right.try_decrypt(damaged));
        }
        CHECK_FALSE(right.try_decrypt(ByteView(block).first(255)));
        Bytes longer = block;
        longer.push_back(0);
        CHECK_FALSE(right.try_decrypt(longer));
        CHECK_FALSE(right.try_decrypt(Bytes{}));
        CHECK_FALSE(right.try_decrypt(Bytes(256, 0xff)));  // larger than the modulus

        // The wrong key: OAEP never mistakes it for success (PKCS#1 v1.5 can, rarely).
        const RsaDecryptor wrong_key(k.b, t.padding, k.rng);
        CHECK_FALSE(wrong_key.try_decrypt(block));
    }
    // The wrong OAEP hash is a failure, not garbage.
    const Bytes sha1_block = RsaEncryptor(k.a, Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding"))
                                 .encrypt(plain, k.rng);
    CHECK_FALSE(RsaDecryptor(k.a, RsaPadding::oaep_sha256_mgf1_sha1, k.rng).try_decrypt(sha1_block));
    CHECK_FALSE(RsaDecryptor(k.a, RsaPadding::pkcs1_v15, k.rng).try_decrypt(sha1_block));
}

TEST_CASE("rsa: only RSA keys can encrypt") {
    auto& k = keys();
    const Botan::ECDSA_PrivateKey ec(k.rng, Botan::EC_Group("secp256r1"));
    try {
        RsaEncryptor enc(ec, Transformation::parse("RSA"));
        FAIL("EC key accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::refused);
        CHECK(std::string(e.what()).find("only RSA keys") != std::string::npos);
    }
    CHECK_THROWS_AS(RsaDecryptor(ec, RsaPadding::oaep_sha1, k.rng), Error);
}

TEST_CASE("rsa: one opened block, every padding of the plain trials checked on it") {
    auto& k = keys();
    const Bytes plain = {'s', 'e', 'c', 'r', 'e', 't'};
    const RsaBlockOpener opener(k.a, k.rng);
    for (const RsaPadding p : plain_padding_trials) {
        CAPTURE(botan_eme(p));
        const Bytes block = RsaEncryptor(k.a, Transformation::parse(jce_name(p))).encrypt(plain, k.rng);
        const auto opened = opener.open(block);
        REQUIRE(opened);
        const auto u = opener.unpad_first(*opened);
        REQUIRE(u);
        CHECK(u->padding == p);
        CHECK(Bytes(u->plaintext.begin(), u->plaintext.end()) == plain);
        // The wrong key opens the block (any block below the modulus does) but no padding checks.
        const RsaBlockOpener other(k.b, k.rng);
        if (const auto wrong = other.open(block)) CHECK_FALSE(other.unpad_first(*wrong, std::array{RsaPadding::oaep_sha1, RsaPadding::oaep_sha256_mgf1_sha1}));
    }
    // OAEP before PKCS#1 v1.5: an OAEP success proves the key, a PKCS#1 one does not.
    CHECK(plain_padding_trials.front() == RsaPadding::oaep_sha1);
    CHECK(plain_padding_trials.back() == RsaPadding::pkcs1_v15);
}

TEST_CASE("rsa: textbook RSA names are decrypt-only, the plaintext is the block without leading zeros") {
    for (const char* name : {"RSA/ECB/NoPadding", "RSA/NONE/NoPadding", "rsa/none/nopadding"}) {
        CAPTURE(name);
        CHECK(is_textbook_rsa(name));
        try {
            Transformation::parse(name);
            FAIL("textbook RSA accepted for encryption");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            CHECK(std::string(e.what()).find("decrypt only") != std::string::npos);
        }
    }
    CHECK_FALSE(is_textbook_rsa("RSA"));
    CHECK_FALSE(is_textbook_rsa("RSA/ECB/PKCS1Padding"));

    auto& k = keys();
    // Textbook RSA as BouncyCastle's "RSA" does it: m^e mod n of the plaintext as a number.
    const Bytes plain = {'o', 'l', 'd', ' ', 'c', 'a', 'r', 'b', 'o', 'n'};
    Botan::PK_Encryptor_EME raw(k.a, k.rng, "Raw");
    const Bytes block = raw.encrypt(plain, k.rng);
    REQUIRE(block.size() == 256);
    const RsaBlockOpener opener(k.a, k.rng);
    const auto opened = opener.open(block);
    REQUIRE(opened);
    CHECK(opened->size() == 256);
    const SecureBytes back = strip_leading_zeros(*opened);
    CHECK(Bytes(back.begin(), back.end()) == plain);
    CHECK(strip_leading_zeros(SecureBytes{0, 0, 0}).empty());
    CHECK(strip_leading_zeros(SecureBytes{0, 1, 0}) == SecureBytes{1, 0});
}
