// AES formats against the Java peer (tests/java/AesPeer.java: WSO2's way, the real Gson),
// both directions: format 3 (Carbon internal crypto, keyIds, key/old_key choice, 16- and
// 128-byte IVs, an outer kid that lies), format 4 (the cipher tool, a keytool secret key)
// and legacy raw AES. Key text parsing as the product reads [encryption] key.
#include "ksc/aes_cipher.hpp"
#include "ksc/aes_key.hpp"
#include "ksc/cipher_suite.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/error.hpp"
#include "test_support.hpp"

#include <botan/base64.h>
#include <botan/hex.h>
#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ksc;

namespace {

const std::string hex256 = "6f1c0e5a9b2d4c3e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e";
const std::string hex192 = "00112233445566778899aabbccddeeff0011223344556677";
const std::string raw128 = "sixteen-byte-key";
// Non-ASCII and characters Gson escapes, on purpose.
const std::string secret = "p\xC3\xA4ss=<&>'word";

std::string b64(std::string_view s) { return Botan::base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
std::string text(const SecureBytes& b) { return std::string(b.begin(), b.end()); }
std::string unb64(const std::string& s) {
    const auto d = Botan::base64_decode(s);
    return std::string(d.begin(), d.end());
}

std::string open_text(CipherSuite& s, std::string_view value, CiphertextFormat expected) {
    const ParsedCiphertext p = expected == CiphertextFormat::raw_aes ? parse_raw_aes(value) : parse_ciphertext(value);
    REQUIRE(p.format == expected);
    auto o = s.open(p);
    REQUIRE(o);
    CHECK(o->sealed_as.format == expected);
    return text(o->plaintext);
}

}  // namespace

TEST_CASE("aes key text: 64/48 characters are hex, any other length raw bytes, keyId is Base64(SHA-256)") {
    const AesKey k256 = parse_aes_key_text(hex256, "test");
    CHECK(k256.bits() == 256);
    CHECK(Botan::hex_encode(k256.bytes.data(), k256.bytes.size(), false) == hex256);
    CHECK(parse_aes_key_text(hex192, "test").bits() == 192);
    // The public IS default key: 32 characters, so an AES-256 key of those ASCII bytes.
    const AesKey def = parse_aes_key_text(public_default_aes_key, "test");
    CHECK(def.bits() == 256);
    CHECK(text(def.bytes) == std::string(public_default_aes_key));
    CHECK(def.public_default);
    CHECK_FALSE(k256.public_default);
    CHECK(parse_aes_key_text(raw128, "test").bits() == 128);
    // The same bytes Java's peer makes of the text (keyIds are compared with Java below).
    CHECK(test::aes_peer("key-hex text:" + hex256, {}).at(0) == hex256);
    CHECK(test::aes_peer("key-hex text:" + std::string(public_default_aes_key), {}).at(0) ==
          Botan::hex_encode(def.bytes.data(), def.bytes.size(), false));

    for (const std::string& bad : {std::string(), std::string("short"), std::string(63, 'a'),
                                  std::string(64, 'g'), std::string(48, 'z'), std::string(33, 'x')}) {
        CAPTURE(bad.size());
        CHECK_FALSE(aes_key_text_problems(bad).empty());
        try {
            parse_aes_key_text(bad, "[encryption] key of t.toml");
            FAIL("accepted a bad key");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::input);
            CHECK(std::string(e.what()).find("[encryption] key of t.toml") != std::string::npos);
            if (bad.size() > 3) CHECK(std::string(e.what()).find(bad) == std::string::npos);
        }
    }
}

TEST_CASE("aes interop: format 3 written by Java (Carbon's way) opens here, under the key Java chose") {
    const AesKey key = parse_aes_key_text(hex256, "key");
    const AesKey other = parse_aes_key_text(raw128, "other");
    auto suite = make_aes_suite(key);
    auto wrong = make_aes_suite(other);
    const std::vector<std::string> in = {b64(secret), b64(""), b64(std::string(5000, 'x'))};
    for (const char* opts_c : {"", "keyids", "keyids kid=bm90LXRoaXMta2V5", "iv16"}) {
        const std::string opts = opts_c;
        CAPTURE(opts);
        const auto values = test::aes_peer("encrypt-carbon text:" + hex256 + " " + opts, in);
        REQUIRE(values.size() == in.size());
        for (size_t i = 0; i < in.size(); ++i) {
            const ParsedCiphertext p = parse_ciphertext(values[i]);
            REQUIRE(p.format == CiphertextFormat::symmetric_carbon);
            CHECK(p.iv.size() == (opts == "iv16" ? 16u : 128u));
            CHECK(p.key_id == (opts.find("keyids") != std::string::npos ? key.id : std::string()));
            CHECK(open_text(*suite, values[i], CiphertextFormat::symmetric_carbon) == unb64(in[i]));
            CHECK_FALSE(wrong->open(p));   // the tag decides
        }
    }
}

TEST_CASE("aes interop: format 3 written here is what Gson writes, and Java opens it choosing by keyId") {
    const AesKey key = parse_aes_key_text(hex256, "key");
    const AesKey old_key = parse_aes_key_text(public_default_aes_key, "old_key");
    // The writer against Gson, byte for byte, on fixed parts.
    const Bytes iv = {0xfb, 0xff, 0x3e, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
    const Bytes ct(37, 0xfe);
    const std::string java_fmt =
        test::aes_peer("format-carbon -", {Botan::base64_encode(iv.data(), iv.size()) + " " +
                                               Botan::base64_encode(ct.data(), ct.size()) + " " + key.id})
            .at(0);
    CHECK(write_symmetric_carbon(iv, ct, key.id) == java_fmt);
    CHECK(test::aes_peer("format-vault -", {Botan::base64_encode(iv.data(), iv.size()) + " " +
                                                Botan::base64_encode(ct.data(), ct.size())})
              .at(0) == write_symmetric_vault(iv, ct));

    auto under_key = make_aes_suite(key);
    auto under_old = make_aes_suite(old_key);
    const auto spec = SealSpec::aes_value(CiphertextFormat::symmetric_carbon);
    std::vector<std::string> values = {under_key->seal(as_bytes(secret), spec), under_old->seal(as_bytes(secret), spec)};
    const ParsedCiphertext p = parse_ciphertext(values[0]);
    CHECK(p.iv.size() == 128);
    CHECK(std::all_of(p.iv.begin() + 16, p.iv.end(), [](uint8_t b) { return b == 0; }));
    CHECK(p.key_id == key.id);
    // Java with key + old_key: the first value's keyId is key's, the second's is not: old_key.
    const auto back = test::aes_peer("decrypt-carbon text:" + hex256 + " text:" + std::string(public_default_aes_key), values);
    REQUIRE(back.size() == 2);
    CHECK(unb64(back[0]) == secret);
    CHECK(unb64(back[1]) == secret);
    // Without old_key, Java cannot open the second one (the tag fails): the keyId we wrote is real.
    CHECK_THROWS(test::aes_peer("decrypt-carbon text:" + hex256, {values[1]}));
}

TEST_CASE("aes interop: format 4 with a keytool secret key, both ways") {
    test::ScratchDir dir;
    const std::string ks = (dir / "sym.p12").string();
    test::run("keytool -genseckey -alias symkey -keyalg AES -keysize 256 -storetype PKCS12 -keystore '" + ks +
              "' -storepass symPass1");
    const std::string spec = "ks:PKCS12:" + ks + ":symPass1:symkey";
    const std::string hex = test::aes_peer("key-hex " + spec, {}).at(0);
    auto suite = make_aes_suite(aes_key_from_bytes(Botan::hex_decode_locked(hex), "symkey"));

    const auto java_values = test::aes_peer("encrypt-vault " + spec, {b64(secret), b64("")});
    REQUIRE(java_values.size() == 2);
    CHECK(parse_ciphertext(java_values[0]).iv.size() == 128);
    CHECK(open_text(*suite, java_values[0], CiphertextFormat::symmetric_vault) == secret);
    CHECK(open_text(*suite, java_values[1], CiphertextFormat::symmetric_vault).empty());

    const std::string ours = suite->seal(as_bytes(secret), SealSpec::aes_value(CiphertextFormat::symmetric_vault));
    CHECK(unb64(test::aes_peer("decrypt-vault " + spec, {ours}).at(0)) == secret);
    // The cipher tool's key-based mode reads the same format with key text.
    const auto by_text = test::aes_peer("encrypt-vault text:" + hex256, {b64(secret)});
    CHECK(open_text(*make_aes_suite(parse_aes_key_text(hex256, "k")), by_text.at(0), CiphertextFormat::symmetric_vault) ==
          secret);
}

TEST_CASE("aes interop: legacy raw AES (AES/ECB/PKCS5Padding), both ways, only when asked for") {
    const AesKey key = parse_aes_key_text(raw128, "key");
    auto suite = make_aes_suite(key, AesReading{true});
    const std::vector<std::string> in = {b64(secret), b64(""), b64(std::string(16, 'a'))};
    const auto java_values = test::aes_peer("encrypt-raw text:" + raw128, in);
    REQUIRE(java_values.size() == in.size());
    for (size_t i = 0; i < in.size(); ++i)
        CHECK(open_text(*suite, java_values[i], CiphertextFormat::raw_aes) == unb64(in[i]));
    const std::string ours = suite->seal(as_bytes(secret), SealSpec::aes_value(CiphertextFormat::raw_aes));
    CHECK(unb64(test::aes_peer("decrypt-raw text:" + raw128, {ours}).at(0)) == secret);
    // Not read unless asked for: any Base64 of 16*n bytes looks like one.
    auto strict = make_aes_suite(key);
    CHECK_FALSE(strict->reads(CiphertextFormat::raw_aes));
    CHECK_FALSE(strict->open(parse_raw_aes(ours)));
    CHECK(parse_ciphertext(ours).format == CiphertextFormat::not_ciphertext);
}

TEST_CASE("aes: damaged and hostile format 3/4 values are refused without a crash, and say why") {
    const AesKey key = parse_aes_key_text(hex256, "key");
    auto suite = make_aes_suite(key);
    const std::string good = suite->seal(as_bytes(secret), SealSpec::aes_value(CiphertextFormat::symmetric_carbon));
    ParsedCiphertext p = parse_ciphertext(good);
    REQUIRE(p.reason.empty());
    // One flipped ciphertext bit: the tag fails.
    p.aes_ciphertext[0] ^= 1;
    CHECK_FALSE(suite->open(p));
    // Damaged parts keep the format, say why, and no key opens them.
    const auto inner_not_json = parse_ciphertext(b64(R"({"c":"bm90IGpzb24=","t":"AES/GCM/NoPadding","iv":"AAAA"})"));
    CHECK(inner_not_json.format == CiphertextFormat::symmetric_carbon);
    CHECK(!inner_not_json.reason.empty());
    CHECK_THROWS_AS(suite->open(inner_not_json), Error);
    const auto short_ct = parse_ciphertext(b64(R"({"cipherText":"AAAA","iv":"AAAA"})"));
    CHECK(short_ct.format == CiphertextFormat::symmetric_vault);
    CHECK(short_ct.reason.find("tag") != std::string::npos);
    // Another AES mode in "t": refused as unknown, not as "wrong key".
    ParsedCiphertext cbc = parse_ciphertext(good);
    cbc.transformation = "AES/CBC/PKCS5Padding";
    CHECK_THROWS_AS(suite->open(cbc), Error);
    // The IV is the inner one: the outer "iv" of a real value can differ (see the fuzz seed),
    // and an outer one that lies does not stop the value from opening.
    const ParsedCiphertext q = parse_ciphertext(good);
    const std::string inner = R"({"cipher":")" + Botan::base64_encode(q.aes_ciphertext.data(), q.aes_ciphertext.size()) +
                              R"(","initializationVector":")" + Botan::base64_encode(q.iv.data(), q.iv.size()) + R"("})";
    const std::string lying = b64(R"({"c":")" + b64(inner) + R"(","t":"AES/GCM/NoPadding","iv":"AAAAAAAAAAAAAAAAAAAAAA==","kid":"x"})");
    CHECK(open_text(*suite, lying, CiphertextFormat::symmetric_carbon) == secret);
}
