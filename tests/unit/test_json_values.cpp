// Embedded {"encrypted":true,"value":...} wrappers: as API-M writes them (a string
// holding json-simple's wrapper, raw self-contained JSON inside, Gson outside) and as
// nested objects with Base64 values; found at any depth, replaced by splicing so every
// other byte stays; hostile nesting refused without recursion.
#include "ksc/error.hpp"
#include "ksc/json_values.hpp"

#include <botan/base64.h>

#include <doctest/doctest.h>

using namespace ksc;

namespace {

ErrorKind error_kind(std::string_view text) {
    try {
        embedded_values(text);
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("accepted");
    return ErrorKind::usage;
}

const std::string key_manager =
    R"({"zeta":1,"client_secret":{"encrypted":true,"value":"AAA="},"alpha":[{"x":{"encrypted":true,"value":"BBB","note":"n"}},)"
    R"({"encrypted":false,"value":"plain"},{"encrypted":"true","value":"str"},{"encrypted":true,"value":5}],"m":"{\"encrypted\":true}"})";

// Written by the real libraries (Debian's gson 2.10 and json-simple's org.json.simple,
// which API-M uses): Gson's toJson of a map whose secrets are
// JSONObject{"encrypted":true,"value":V}.toJSONString(), V being Gson's CipherHolder
// JSON. The second document is the first with V1 replaced by V2 by the same code.
const std::string v1 =
    R"({"c":"QUJD+/8\u003d","t":"RSA/ECB/OAEPwithSHA1andMGF1Padding","tp":"AB12","tpd":"SHA-1"})";
const std::string v2 =
    R"({"c":"WFla/+9\u003d","t":"RSA/ECB/OAEPwithSHA1andMGF1Padding","tp":"CD34","tpd":"SHA-1"})";
const std::string doc1 =
    R"JSON({"client_id":"abc","client_secret":"{\"encrypted\":true,\"value\":\"{\\\"c\\\":\\\"QUJD+\\/8\\\\u003d\\\",\\\"t\\\":\\\"RSA\\/ECB\\/OAEPwithSHA1andMGF1Padding\\\",\\\"tp\\\":\\\"AB12\\\",\\\"tpd\\\":\\\"SHA-1\\\"}\"}","scopes":["a\u003db","{\"encrypted\":true,\"value\":\"{\\\"c\\\":\\\"QUJD+\\/8\\\\u003d\\\",\\\"t\\\":\\\"RSA\\/ECB\\/OAEPwithSHA1andMGF1Padding\\\",\\\"tp\\\":\\\"AB12\\\",\\\"tpd\\\":\\\"SHA-1\\\"}\"}"],"enabled":true,"url":"https://x/y?a\u003d1\u0026b\u003d\u003c2\u003e"})JSON";
const std::string doc2 =
    R"JSON({"client_id":"abc","client_secret":"{\"encrypted\":true,\"value\":\"{\\\"c\\\":\\\"WFla\\/+9\\\\u003d\\\",\\\"t\\\":\\\"RSA\\/ECB\\/OAEPwithSHA1andMGF1Padding\\\",\\\"tp\\\":\\\"CD34\\\",\\\"tpd\\\":\\\"SHA-1\\\"}\"}","scopes":["a\u003db","{\"encrypted\":true,\"value\":\"{\\\"c\\\":\\\"WFla\\/+9\\\\u003d\\\",\\\"t\\\":\\\"RSA\\/ECB\\/OAEPwithSHA1andMGF1Padding\\\",\\\"tp\\\":\\\"CD34\\\",\\\"tpd\\\":\\\"SHA-1\\\"}\"}"],"enabled":true,"url":"https://x/y?a\u003d1\u0026b\u003d\u003c2\u003e"})JSON";
std::string b64(std::string_view s) {
    return Botan::base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("json_values: the product's form (a string holding the wrapper, raw JSON inside) is found") {
    // The value is presented as its Base64, the text every ciphertext reader takes.
    CHECK(embedded_values(doc1) == std::vector<std::string>{b64(v1), b64(v1)});
}

TEST_CASE("json_values: a product-form value is rewritten exactly as the product writes it") {
    const auto out = replace_embedded_values(doc1, [&](const std::string& old) -> std::optional<std::string> {
        CHECK(old == b64(v1));
        return b64(v2);
    });
    CHECK(out == doc2);  // byte for byte what Gson and json-simple write for V2
    CHECK(embedded_values(out) == std::vector<std::string>{b64(v2), b64(v2)});
}

TEST_CASE("json_values: strings that are not the product's wrapper are left alone") {
    CHECK(embedded_values(R"({"a":"{\"encrypted\":false,\"value\":\"x\"}","b":"{not json","c":"{\"value\":\"y\"}"})").empty());
    // The wrapper must be the string's whole document, not something inside it.
    CHECK(embedded_values(R"({"a":"{\"x\":{\"encrypted\":true,\"value\":\"y\"}}"})").empty());
    // A string inside a nested-object wrapper is not searched (the wrapper is a leaf).
    CHECK(embedded_values(R"({"encrypted":true,"value":"v","note":"{\"encrypted\":true,\"value\":\"w\"}"})") ==
          std::vector<std::string>{"v"});
    // One level of strings only: a wrapper inside a wrapper string's value is the value.
    const std::string doubly = R"({"k":"{\"encrypted\":true,\"value\":\"{\\\"encrypted\\\":true,\\\"value\\\":\\\"z\\\"}\"}"})";
    CHECK(embedded_values(doubly) == std::vector<std::string>{b64(R"({"encrypted":true,"value":"z"})")});
}

TEST_CASE("json_values: a nested-object wrapper with a raw JSON value keeps it raw") {
    const std::string doc = R"({"k":{"encrypted":true,"value":"{\"c\":\"AA\\u003d\"}"}})";
    CHECK(embedded_values(doc) == std::vector<std::string>{b64(R"({"c":"AA\u003d"})")});
    const auto out = replace_embedded_values(doc, [&](const std::string&) { return b64(R"({"c":"BB\u003d"})"); });
    CHECK(out == R"({"k":{"encrypted":true,"value":"{\"c\":\"BB\\u003d\"}"}})");
}

TEST_CASE("json_values: embedded values at any depth, in document order, only the real ones") {
    CHECK(embedded_values(key_manager) == std::vector<std::string>{"AAA=", "BBB"});
    CHECK(embedded_values(R"([[{"encrypted":true,"value":"deep"}]])") == std::vector<std::string>{"deep"});
    CHECK(embedded_values(R"({"a":1})").empty());
    CHECK(embedded_values("{}").empty());
}

TEST_CASE("json_values: replace keeps every other byte, and each token's escaping") {
    const auto out = replace_embedded_values(key_manager, [](const std::string& old) -> std::optional<std::string> {
        if (old == "AAA=") return std::string("NEW=");
        return std::nullopt;  // BBB kept
    });
    CHECK(out == R"({"zeta":1,"client_secret":{"encrypted":true,"value":"NEW="},"alpha":[{"x":{"encrypted":true,)"
                 R"("value":"BBB","note":"n"}},{"encrypted":false,"value":"plain"},{"encrypted":"true","value":"str"},)"
                 R"({"encrypted":true,"value":5}],"m":"{\"encrypted\":true}"})");
    CHECK(embedded_values(out) == std::vector<std::string>{"NEW=", "BBB"});
}

TEST_CASE("json_values: white space, numbers and escapes outside the value stay as written") {
    const std::string pretty = "{\n  \"b\" : {\"encrypted\": true, \"value\": \"old\"},\n  \"a\": [1, 2.50, -0, \"\\u00e9\"]\n}";
    const auto out = replace_embedded_values(pretty, [](const std::string&) { return std::string("n=w"); });
    CHECK(out == "{\n  \"b\" : {\"encrypted\": true, \"value\": \"n\\u003dw\"},\n  \"a\": [1, 2.50, -0, \"\\u00e9\"]\n}");
    // A value written with a raw '=' (not by Gson) gets a raw '=' again.
    const auto raw = replace_embedded_values(R"({"encrypted":true,"value":"A="})", [](const std::string&) { return std::string("B="); });
    CHECK(raw == R"({"encrypted":true,"value":"B="})");
}

TEST_CASE("json_values: a document with nothing replaced comes back byte for byte") {
    const std::string compact = R"({"z":1,"a":{"k":[true,false,null,"s\u003d"]}})";
    auto keep = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    CHECK(replace_embedded_values(compact, keep) == compact);
    const std::string spaced = "{ \"z\" : 1 }";
    CHECK(replace_embedded_values(spaced, keep) == spaced);  // unchanged rows are never rewritten
    CHECK(replace_embedded_values(key_manager, keep) == key_manager);
}

TEST_CASE("json_values: not JSON is an input error that does not echo the text") {
    try {
        embedded_values(R"({"encrypted":true,"value":"SECRETSECRET")");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("SECRET") == std::string::npos);
    }
    CHECK(error_kind("") == ErrorKind::input);
    CHECK(error_kind("\xff") == ErrorKind::input);
    CHECK(error_kind(R"({"a":"\xc3"})") == ErrorKind::input);  // invalid UTF-8 in a string
}

TEST_CASE("json_values: nesting is capped at 64 levels, checked without recursion") {
    auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    CHECK(embedded_values(nested(64)).empty());
    CHECK(error_kind(nested(65)) == ErrorKind::input);
    // 100,000 levels: refused cleanly, no stack overflow (balanced or not).
    CHECK(error_kind(nested(100000)) == ErrorKind::input);
    CHECK(error_kind(std::string(100000, '[')) == ErrorKind::input);
    CHECK(error_kind(std::string(100000, '{')) == ErrorKind::input);
    // Brackets inside strings (escaped quotes too) do not count.
    const std::string in_string = "[\"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"]";
    CHECK(embedded_values(in_string).empty());
    try {
        embedded_values(nested(65));
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("64") != std::string::npos);
    }
}
