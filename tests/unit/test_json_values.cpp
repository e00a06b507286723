// Embedded {"encrypted":true,"value":...} objects: found at any depth, replaced in
// place with key order kept, hostile nesting refused without recursion.
#include "ksc/error.hpp"
#include "ksc/json_values.hpp"

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

}  // namespace

TEST_CASE("json_values: embedded values at any depth, in document order, only the real ones") {
    CHECK(embedded_values(key_manager) == std::vector<std::string>{"AAA=", "BBB"});
    CHECK(embedded_values(R"([[{"encrypted":true,"value":"deep"}]])") == std::vector<std::string>{"deep"});
    CHECK(embedded_values(R"({"a":1})").empty());
    CHECK(embedded_values("{}").empty());
}

TEST_CASE("json_values: replace keeps key order and other fields, output compact") {
    const auto out = replace_embedded_values(key_manager, [](const std::string& old) -> std::optional<std::string> {
        if (old == "AAA=") return std::string("NEW=");
        return std::nullopt;  // BBB kept
    });
    CHECK(out == R"({"zeta":1,"client_secret":{"encrypted":true,"value":"NEW="},"alpha":[{"x":{"encrypted":true,)"
                 R"("value":"BBB","note":"n"}},{"encrypted":false,"value":"plain"},{"encrypted":"true","value":"str"},)"
                 R"({"encrypted":true,"value":5}],"m":"{\"encrypted\":true}"})");
    CHECK(embedded_values(out) == std::vector<std::string>{"NEW=", "BBB"});
}

TEST_CASE("json_values: content, not whitespace, is preserved when something changes") {
    const std::string pretty = "{\n  \"b\" : {\"encrypted\": true, \"value\": \"old\"},\n  \"a\": [1, 2.5, null]\n}";
    const auto out = replace_embedded_values(pretty, [](const std::string&) { return std::string("new"); });
    CHECK(out == R"({"b":{"encrypted":true,"value":"new"},"a":[1,2.5,null]})");
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
