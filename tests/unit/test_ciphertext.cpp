// Format detection and writing (README.md "Ciphertext formats"), without keys: every
// way of telling the formats apart, the hostile inputs, and Gson's exact output.
#include "ksc/ciphertext.hpp"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <doctest/doctest.h>

#include <string>

using namespace ksc;

namespace {

std::string b64(std::string_view s) {
    return Botan::base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

Bytes random_block(size_t n = 256) {
    Botan::AutoSeeded_RNG rng;
    Bytes b(n);
    rng.randomize(b.data(), b.size());
    return b;
}

// A block whose Base64 ends in "==" (256 % 3 == 1), as every RSA-2048 block's does.
std::string block_b64(const Bytes& block) { return Botan::base64_encode(block.data(), block.size()); }

std::string escaped_eq(std::string s) {
    std::string out;
    for (char c : s) out += c == '=' ? std::string("\\u003d") : std::string(1, c);
    return out;
}

const std::string wso2_tp = "57FF38D97664C792FF8801171F04191DED88778D";

}  // namespace

TEST_CASE("ciphertext: the WSO2 sample shape (Gson-escaped =) parses as self-contained") {
    const Bytes block = random_block();
    const std::string c = block_b64(block);
    REQUIRE(c.substr(c.size() - 2) == "==");
    const std::string json = "{\"c\":\"" + escaped_eq(c) +
                             "\",\"t\":\"RSA/ECB/OAEPwithSHA1andMGF1Padding\",\"tp\":\"" + wso2_tp +
                             "\",\"tpd\":\"SHA-1\"}";
    REQUIRE(json.find("\\u003d\\u003d\"") != std::string::npos);
    const auto p = parse_ciphertext(b64(json), 256);
    CHECK(p.format == CiphertextFormat::self_contained);
    CHECK(p.rsa_block == block);
    CHECK(p.transformation == "RSA/ECB/OAEPwithSHA1andMGF1Padding");
    CHECK(p.thumbprint == wso2_tp);
    CHECK(p.reason.empty());
    // The modulus length does not matter for a self-contained value: it names its own block.
    CHECK(parse_ciphertext(b64(json), 0).format == CiphertextFormat::self_contained);
}

TEST_CASE("ciphertext: raw JSON, extra fields, whitespace, any-case t are accepted") {
    const Bytes block = random_block();
    const std::string c = block_b64(block);
    const std::string variants[] = {
        "{\"c\":\"" + c + "\",\"t\":\"RSA\",\"tp\":\"AB\",\"tpd\":\"SHA-1\"}",
        "{\"kid\":\"x\",\"tpd\":\"SHA-1\",\"iv\":\"AAAA\",\"t\":\"RSA\",\"c\":\"" + c + "\",\"tp\":\"AB\"}",
        " {\n  \"c\" : \"" + c + "\",\r\n \"t\":\"RSA\", \"tp\":\"AB\", \"extra\":{\"n\":[1,2,{}]}, \"x\":null}\n",
        "{\"c\":\"" + c + "\",\"t\":\"RSA\",\"tp\":\"AB\"}",
    };
    for (const auto& json : variants) {
        CAPTURE(json);
        const auto p = parse_ciphertext(b64(json), 256);
        CHECK(p.format == CiphertextFormat::self_contained);
        CHECK(p.rsa_block == block);
        CHECK(p.transformation == "RSA");
        CHECK(p.thumbprint == "AB");
    }
    const auto lower = parse_ciphertext(b64("{\"c\":\"" + c + "\",\"t\":\"rsa/ecb/pkcs1padding\"}"));
    CHECK(lower.format == CiphertextFormat::self_contained);
    CHECK(lower.transformation == "rsa/ecb/pkcs1padding");
    CHECK(lower.thumbprint.empty());
}

TEST_CASE("ciphertext: format 3 keeps its parts (the INNER IV, ciphertext||tag, keyId), raw AES only on request") {
    const std::string ct = b64(std::string(20, '\x07'));
    const std::string inner_iv = b64(std::string(16, '\x01'));
    // Built by appending: GCC 12 warns falsely (-Wrestrict) about "..." + std::string&&.
    std::string inner_json = "{\"cipher\":\"";
    inner_json += escaped_eq(ct);
    inner_json += "\",\"initializationVector\":\"";
    inner_json += inner_iv;
    inner_json += "\",\"keyId\":\"a2V5\\u003d\"}";
    std::string outer = "{\"c\":\"";
    outer += escaped_eq(b64(inner_json));
    outer += "\",\"t\":\"AES/GCM/NoPadding\",\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"kid\":\"x\"}";
    // Outer iv differs from the inner one and an outer kid is present: neither is used.
    const auto p = parse_ciphertext(b64(outer));
    REQUIRE(p.format == CiphertextFormat::symmetric_carbon);
    CHECK(p.reason.empty());
    CHECK(p.iv == Bytes(16, 0x01));
    CHECK(p.aes_ciphertext == Bytes(20, 0x07));
    CHECK(p.key_id == "a2V5=");
    // Written back by our writer (Gson's shape) it reads the same.
    const auto q = parse_ciphertext(write_symmetric_carbon(p.iv, p.aes_ciphertext, p.key_id));
    CHECK((q.iv == p.iv && q.aes_ciphertext == p.aes_ciphertext && q.key_id == p.key_id));
    // Raw AES: never detected, only read when asked for; 16*n bytes.
    const std::string raw = b64(std::string(32, 'r'));
    CHECK(parse_ciphertext(raw).format == CiphertextFormat::not_ciphertext);
    CHECK(parse_raw_aes(raw).format == CiphertextFormat::raw_aes);
    CHECK(parse_raw_aes(raw).aes_ciphertext.size() == 32);
    CHECK(parse_raw_aes(b64(std::string(31, 'r'))).format == CiphertextFormat::not_ciphertext);
    CHECK(parse_raw_aes("not base64!").format == CiphertextFormat::not_ciphertext);
}

TEST_CASE("ciphertext: symmetric formats are recognised (and carry no RSA block)") {
    const std::string inner = b64("{\"cipher\":\"AAAA\",\"initializationVector\":\"AAAA\"}");
    const auto carbon = parse_ciphertext(b64("{\"c\":\"" + inner + "\",\"t\":\"AES/GCM/NoPadding\",\"iv\":\"AAAA\"}"));
    CHECK(carbon.format == CiphertextFormat::symmetric_carbon);
    CHECK(carbon.transformation == "AES/GCM/NoPadding");
    CHECK(carbon.rsa_block.empty());

    const auto vault = parse_ciphertext(b64("{\"cipherText\":\"AAAA\",\"iv\":\"AAAA\\u003d\"}"), 256);
    CHECK(vault.format == CiphertextFormat::symmetric_vault);
    CHECK(vault.rsa_block.empty());
    CHECK(to_string(vault.format) == "symmetric-vault");
    CHECK(to_string(CiphertextFormat::self_contained) == "self-contained");
    CHECK(to_string(CiphertextFormat::plain) == "plain");
}

TEST_CASE("ciphertext: plain blocks, including random ones that start with '{'") {
    const Bytes block = random_block();
    const auto p = parse_ciphertext(write_plain(block), 256);
    CHECK(p.format == CiphertextFormat::plain);
    CHECK(p.rsa_block == block);
    CHECK(parse_ciphertext(write_plain(block), 0).format == CiphertextFormat::plain);
    CHECK(parse_ciphertext(write_plain(random_block(128)), 0).format == CiphertextFormat::plain);
    CHECK(parse_ciphertext(write_plain(random_block(512)), 0).format == CiphertextFormat::plain);

    // About 1 random block in 220 starts with '{': it is still a plain block.
    for (int i = 0; i < 50; ++i) {
        Bytes brace = random_block();
        brace[0] = '{';
        brace[1] = static_cast<uint8_t>(i % 2 ? '"' : ' ');
        const auto q = parse_ciphertext(write_plain(brace), 256);
        CHECK(q.format == CiphertextFormat::plain);
        CHECK(q.rsa_block == brace);
    }
    // A 256-byte block that IS a JSON object without our fields stays a plain candidate.
    std::string obj = "{\"a\":\"" + std::string(256 - 8, 'x') + "\"}";
    REQUIRE(obj.size() == 256);
    CHECK(parse_ciphertext(b64(obj), 256).format == CiphertextFormat::plain);
}

TEST_CASE("ciphertext: values that are not ciphertext say why, without the value") {
    struct Case {
        std::string text;
        std::string reason;
    };
    const std::string secret = "hunter2-password";
    const Case cases[] = {
        {"", "empty value"},
        {secret, "not Base64"},
        {"[" + secret + "]", "not Base64"},
        {"aGVsbG8=", "decoded length 5 is not an RSA block (expected 256)"},
        {"aGVsbG8", "not Base64"},                     // unpadded
        {"aGVsbG9=", "not Base64"},                    // non-canonical last character
        {"YR==", "not Base64"},                        // the same with two '=' (4 unused bits)
        {"aGVs=G8=", "not Base64"},                    // '=' inside
        {"aGVs bG8=", "not Base64"},                   // whitespace inside
        {"aGVsbG8=\n", "not Base64"},                  // trailing newline
        {"aGVsbG8-", "not Base64"},                    // URL-safe alphabet
        {"a===", "not Base64"},
        {"====", "not Base64"},
        {write_plain(random_block(255)), "decoded length 255 is not an RSA block (expected 256)"},
        {write_plain(random_block(512)), "decoded length 512 is not an RSA block (expected 256)"},
        {std::string(65 * 1024, 'A'), "longer than 64 KiB"},
        {b64("{\"c\":\"not base64!\",\"t\":\"RSA\"}"), "self-contained value whose \"c\" is not Base64"},
        {b64("{\"c\":\"\",\"t\":\"RSA\"}"), "self-contained value whose \"c\" is not Base64"},
        {b64("{\"c\":\"AAAA\",\"t\":\"DES\"}"), "JSON with \"c\" and an unknown transformation in \"t\""},
        {b64("{\"c\":\"AAAA\",\"c\":\"AAAA\",\"t\":\"RSA\"}"), "JSON with a repeated \"c\" field"},
        {b64("{\"c\":1,\"t\":\"RSA\"}"), "decoded length 17 is not an RSA block (expected 256)"},
        {b64("{\"c\":[\"AAAA\"],\"t\":\"RSA\"}"), "decoded length 24 is not an RSA block (expected 256)"},
        {b64("[\"c\",\"t\"]"), "decoded length 9 is not an RSA block (expected 256)"},
        {b64("{\"c\":\"AAAA\",\"t\":\"RSA\"} x"), "decoded length 24 is not an RSA block (expected 256)"},
        {b64("{\"c\":\"AAAA\",\"t\":\"RSA\xff\"}"), "decoded length 23 is not an RSA block (expected 256)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text.substr(0, 80));
        const auto p = parse_ciphertext(c.text, 256);
        CHECK(p.format == CiphertextFormat::not_ciphertext);
        CHECK(p.reason == c.reason);
        CHECK(p.reason.find(secret) == std::string::npos);
        CHECK(p.rsa_block.empty());
    }
    CHECK(parse_ciphertext("aGVsbG8=", 0).reason == "decoded length 5 is not an RSA block");
    CHECK(parse_ciphertext(write_plain(random_block(260)), 0).format == CiphertextFormat::not_ciphertext);
    CHECK(parse_ciphertext(write_plain(random_block(2048)), 0).format == CiphertextFormat::not_ciphertext);
}

TEST_CASE("ciphertext: hostile JSON (deep nesting, huge) is handled without crashing") {
    // 20,000 levels (40,000 bytes, under the size cap so the parser does see it): a
    // recursive parser or destructor would overflow the stack.
    const std::string deep_array = std::string(20000, '[') + std::string(20000, ']');
    const auto a = parse_ciphertext(b64(deep_array), 256);
    CHECK(a.format == CiphertextFormat::not_ciphertext);
    CHECK(a.reason == "decoded length 40000 is not an RSA block (expected 256)");
    std::string deep_object = "{\"c\":\"AAAA\",\"t\":\"RSA\",\"x\":";
    for (int i = 0; i < 8000; ++i) deep_object += "{\"a\":";
    deep_object.append("1").append(8000, '}').append("}");
    REQUIRE(b64(deep_object).size() < 64 * 1024);
    CHECK(parse_ciphertext(b64(deep_object), 256).format == CiphertextFormat::not_ciphertext);
    CHECK(parse_ciphertext(b64(std::string(60000, '{')), 256).format == CiphertextFormat::not_ciphertext);
    std::string deep_small = "{\"c\":\"AAAA\",\"t\":\"RSA\",\"x\":" + std::string(100, '[') +
                             std::string(100, ']') + "}";
    CHECK(parse_ciphertext(b64(deep_small), 256).format == CiphertextFormat::not_ciphertext);
    // Just under the size cap: still parsed (and rejected for what it is, quickly).
    const std::string big_json = "{\"c\":\"" + std::string(40000, 'A') + "\",\"t\":\"RSA\"}";
    const auto big = parse_ciphertext(b64(big_json), 256);
    CHECK(big.format == CiphertextFormat::self_contained);
    CHECK(big.rsa_block.size() == 30000);
}

TEST_CASE("ciphertext: gson_quote escapes exactly as Gson's default JsonWriter") {
    CHECK(gson_quote("") == "\"\"");
    CHECK(gson_quote("abc") == "\"abc\"");
    CHECK(gson_quote("a==") == "\"a\\u003d\\u003d\"");
    CHECK(gson_quote("<>&'") == "\"\\u003c\\u003e\\u0026\\u0027\"");
    CHECK(gson_quote("\"\\/") == "\"\\\"\\\\/\"");
    CHECK(gson_quote("\t\b\n\r\f") == "\"\\t\\b\\n\\r\\f\"");
    CHECK(gson_quote(std::string("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
    CHECK(gson_quote("\x0b") == "\"\\u000b\"");
    CHECK(gson_quote("p\xc3\xa4ss\xe2\x9c\x93") == "\"p\xc3\xa4ss\xe2\x9c\x93\"");   // non-ASCII kept
    CHECK(gson_quote("a\xe2\x80\xa8" "b\xe2\x80\xa9") == "\"a\\u2028b\\u2029\"");  // JS line ends
    CHECK(gson_quote("\xe2\x80") == "\"\xe2\x80\"");                                // truncated: kept
}

TEST_CASE("ciphertext: write_self_contained is Gson's CipherHolder JSON, and parses back") {
    Bytes block(256);
    for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<uint8_t>(i);
    const std::string c = block_b64(block);
    const std::string v = write_self_contained(block, "RSA/ECB/OAEPwithSHA1andMGF1Padding", wso2_tp);
    const auto json = Botan::base64_decode(v);
    CHECK(std::string(json.begin(), json.end()) ==
          "{\"c\":\"" + escaped_eq(c) + "\",\"t\":\"RSA/ECB/OAEPwithSHA1andMGF1Padding\",\"tp\":\"" + wso2_tp +
              "\",\"tpd\":\"SHA-1\"}");
    const auto p = parse_ciphertext(v, 256);
    CHECK(p.format == CiphertextFormat::self_contained);
    CHECK(p.rsa_block == block);
    CHECK(p.transformation == "RSA/ECB/OAEPwithSHA1andMGF1Padding");
    CHECK(p.thumbprint == wso2_tp);

    CHECK(write_plain(block) == c);
    CHECK(write_plain(block).size() == 344);
}
