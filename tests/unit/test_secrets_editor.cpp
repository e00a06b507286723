// find_secret_slots / splice_secrets: byte-exact location of [secrets] values and
// edits that change nothing but those bytes.
#include "ksc/error.hpp"
#include "ksc/secrets_editor.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <toml++/toml.h>

#include <map>
#include <random>

using namespace ksc;

// SecretSlot::plaintext() hands back wiped memory; compare it as text.
static std::string as_text(const ksc::SecureBytes& b) { return std::string(b.begin(), b.end()); }

namespace {

// A [secrets] table in the middle of the file, with everything the Java cipher
// tool trips over: comments inside, a trailing comment, indentation, tables after.
const std::string secrets_block =
    "[secrets]\n"
    "# waiting for kscipher configure\n"
    "admin_password = \"[admin]\"   # trailing comment stays\n"
    "\n"
    "    indented = '[lit\\eral]'\n"
    "\"ü✓\" = \"[x]\"\n"
    "unicode = \"[pässwörd✓]\"\n"
    "escaped = \"[a\\\"b\\\\c\\u00e9]\"\n"
    "\"my.key\" = \"[quoted key]\"\n"
    "\tencrypted = \"J4xAbcDEF+/0==\" # already done\n"
    "\n";

const std::string sample =
    "[server]\n"
    "hostname = \"localhost\"\n"
    "\n"
    "[super_admin]\n"
    "username = \"admin\"\n"
    "password = \"$secret{admin_password}\"\n"
    "\n" +
    secrets_block +
    "[keystore.tls]\n"
    "file_name = \"wso2carbon.jks\"  # after [secrets]\n"
    "password = \"wso2carbon\"\n";

// splice_secrets' result (wiped memory) as a string, for comparisons.
std::string spliced(std::string_view text, std::vector<SecretReplacement> replacements) {
    return std::string(splice_secrets(text, std::move(replacements)).text());
}

std::map<std::string, std::string> secrets_of(const std::string& text) {
    std::map<std::string, std::string> out;
    const toml::table doc = toml::parse(text);
    if (const auto* s = doc["secrets"].as_table())
        for (const auto& [k, v] : *s) out[std::string(k.str())] = v.value_or(std::string("<not a string>"));
    return out;
}

// Replaces every slot with a distinct new value and proves that only the value
// tokens changed: each gap between slots is byte-identical, each token is exactly
// the quoted new value, and the result parses to the new values.
std::string splice_and_check(const std::string& text, const std::vector<SecretSlot>& slots,
                             const std::map<std::string, std::string>& new_values) {
    std::vector<SecretReplacement> edits;
    for (const auto& s : slots) edits.push_back({s.begin, s.end, new_values.at(s.alias)});
    const std::string out = spliced(text, edits);

    size_t in = 0, pos = 0;
    for (const auto& s : slots) {
        REQUIRE(s.begin >= in);
        const size_t gap = s.begin - in;
        CHECK(out.substr(pos, gap) == text.substr(in, gap));
        pos += gap;
        const std::string token = "\"" + new_values.at(s.alias) + "\"";  // callers use values needing no escapes
        CHECK(out.substr(pos, token.size()) == token);
        pos += token.size();
        in = s.end;
    }
    CHECK(out.substr(pos) == text.substr(in));
    CHECK(pos + (text.size() - in) == out.size());

    const auto parsed = secrets_of(out);
    for (const auto& [alias, v] : new_values) CHECK(parsed.at(alias) == v);
    return out;
}

std::map<std::string, std::string> ciphertexts_for(const std::vector<SecretSlot>& slots) {
    std::map<std::string, std::string> out;
    int n = 0;
    for (const auto& s : slots) out[s.alias] = "Q2lwaGVy" + std::to_string(n++) + "+/AbC==";
    return out;
}

}  // namespace

TEST_CASE("secrets: slots are found with exact byte offsets and decoded values") {
    const auto slots = find_secret_slots(sample, "deployment.toml");
    REQUIRE(slots.size() == 7);

    std::map<std::string, const SecretSlot*> by;
    for (const auto& s : slots) by[s.alias] = &s;
    CHECK(by.at("admin_password")->value.text() == "[admin]");
    CHECK(by.at("indented")->value.text() == "[lit\\eral]");
    CHECK(by.at("ü✓")->value.text() == "[x]");
    CHECK(by.at("unicode")->value.text() == "[pässwörd✓]");
    CHECK(by.at("escaped")->value.text() == "[a\"b\\cé]");
    CHECK(as_text(by.at("escaped")->plaintext()) == "a\"b\\cé");
    CHECK(by.at("my.key")->value.text() == "[quoted key]");
    CHECK(by.at("encrypted")->value.text() == "J4xAbcDEF+/0==");
    CHECK_FALSE(by.at("encrypted")->is_plaintext());

    // Offsets point at the tokens as written (the non-ASCII key before the value
    // shifts bytes, not code points).
    CHECK(sample.substr(by.at("ü✓")->begin, by.at("ü✓")->end - by.at("ü✓")->begin) == "\"[x]\"");
    CHECK(sample.substr(by.at("indented")->begin, by.at("indented")->end - by.at("indented")->begin) ==
          "'[lit\\eral]'");
    CHECK(sample.substr(by.at("unicode")->begin, by.at("unicode")->end - by.at("unicode")->begin) ==
          "\"[pässwörd✓]\"");
    CHECK(by.at("admin_password")->line == 10);

    // File order, not toml++'s sorted key order.
    CHECK(slots.front().alias == "admin_password");
    CHECK(slots.back().alias == "encrypted");
}

TEST_CASE("secrets: splicing changes only the value bytes and re-parses") {
    const auto slots = find_secret_slots(sample, "deployment.toml");
    const auto values = ciphertexts_for(slots);
    const std::string out = splice_and_check(sample, slots, values);
    CHECK(out.find("\"[admin]\"   # trailing comment stays\n") == std::string::npos);
    CHECK(out.find("   # trailing comment stays\n") != std::string::npos);
    CHECK(out.find("[keystore.tls]\nfile_name = \"wso2carbon.jks\"  # after [secrets]\n") != std::string::npos);

    // A second pass finds nothing left to encrypt.
    const auto again = find_secret_slots(out, "deployment.toml");
    REQUIRE(again.size() == slots.size());
    for (const auto& s : again) {
        CAPTURE(s.alias);
        CHECK_FALSE(s.is_plaintext());
        CHECK(s.value.text() == values.at(s.alias));
    }
    // Splicing the same values again is a no-op on the bytes.
    std::vector<SecretReplacement> same;
    for (const auto& s : again) same.push_back({s.begin, s.end, std::string(s.value.text())});
    CHECK(spliced(out, same) == out);
}

// Skipped (not passed) in a fresh clone without ../shared: the test-written file covers the shape.
TEST_CASE("secrets: the real default deployment.toml with [secrets] inserted in the middle" *
          doctest::test_suite("wso2-fixtures") * doctest::skip(ksc::test::wso2_fixtures().empty())) {
    const auto fixtures = ksc::test::wso2_fixtures();
    REQUIRE_MESSAGE(!fixtures.empty(), "needs ../shared/fixtures/wso2");
    const std::string original = ksc::test::slurp(fixtures / "deployment.toml");
    const size_t at = original.find("[keystore.tls]");
    REQUIRE(at != std::string::npos);
    const std::string text = original.substr(0, at) + secrets_block + original.substr(at);

    const auto slots = find_secret_slots(text, "deployment.toml");
    REQUIRE(slots.size() == 7);
    const std::string out = splice_and_check(text, slots, ciphertexts_for(slots));
    // Everything outside [secrets] is as shipped.
    CHECK(out.substr(0, at) == original.substr(0, at));
    CHECK(out.substr(out.size() - (original.size() - at)) == original.substr(at));
    CHECK(find_secret_slots(original, "deployment.toml").empty());
}

TEST_CASE("secrets: new values are escaped as TOML basic strings") {
    const std::string text = "[secrets]\na = \"[x]\"\n";
    const auto slots = find_secret_slots(text, "deployment.toml");
    REQUIRE(slots.size() == 1);
    const std::string nasty = "q\"b\\s\n\t\x01\x7f é✓";
    const std::string out = spliced(text, {{slots[0].begin, slots[0].end, nasty}});
    CHECK(out == "[secrets]\na = \"q\\\"b\\\\s\\n\\t\\u0001\\u007F é✓\"\n");
    CHECK(secrets_of(out).at("a") == nasty);
    CHECK_THROWS_AS(spliced(text, {{slots[0].begin, slots[0].end, "bad\xff"}}), Error);
}

TEST_CASE("secrets: multi-line strings, CRLF, tabs, BOM and inline tables") {
    SUBCASE("multi-line basic and literal strings are located and replaced whole") {
        const std::string text =
            "[secrets]\nml = \"\"\"\n[multi\nline]\"\"\"  # c\nlit = '''\n[raw\\n]'''\nafter = \"[z]\"\n[x]\ny = 1\n";
        const auto slots = find_secret_slots(text, "deployment.toml");
        REQUIRE(slots.size() == 3);
        CHECK(slots[0].value.text() == "[multi\nline]");
        CHECK(as_text(slots[0].plaintext()) == "multi\nline");
        CHECK(slots[1].value.text() == "[raw\\n]");
        splice_and_check(text, slots, ciphertexts_for(slots));
    }
    SUBCASE("CRLF line ends and tab indentation stay as written") {
        const std::string text = "[a]\r\nb = 1\r\n[secrets]\r\n\t\"ü\" = \"[x]\" # c\r\n\tk = '[y]'\r\n[c]\r\nd = 2\r\n";
        const auto slots = find_secret_slots(text, "deployment.toml");
        REQUIRE(slots.size() == 2);
        const std::string out = splice_and_check(text, slots, ciphertexts_for(slots));
        CHECK(out.find("\" # c\r\n\tk = \"") != std::string::npos);
    }
    SUBCASE("a byte order mark is not a column") {
        const std::string text = "\xEF\xBB\xBFsecrets = { \"é\" = \"[x]\", b = '[y]' }\n";
        const auto slots = find_secret_slots(text, "deployment.toml");
        REQUIRE(slots.size() == 2);
        splice_and_check(text, slots, ciphertexts_for(slots));
    }
}

TEST_CASE("secrets: dotted keys and [secrets.x] tables flatten to dotted aliases, as WSO2 does") {
    const std::string text =
        "[secrets]\nlog4j.appender.LOGEVENT.password = \"[p1]\"\n\"my.key\" = '[p2]'\n"
        "inline = { a = \"[p3]\" }\n[other]\nx = 1\n[secrets.sub]\nb = \"[p4]\"\n";
    const auto slots = find_secret_slots(text, "deployment.toml");
    REQUIRE(slots.size() == 4);
    CHECK(slots[0].alias == "log4j.appender.LOGEVENT.password");
    CHECK(slots[1].alias == "my.key");
    CHECK(slots[2].alias == "inline.a");
    CHECK(slots[3].alias == "sub.b");
    CHECK(slots[3].line == 8);
    const std::vector<SecretReplacement> edits = {{slots[0].begin, slots[0].end, "C2"}, {slots[1].begin, slots[1].end, "C3"},
                                                  {slots[2].begin, slots[2].end, "C4"}, {slots[3].begin, slots[3].end, "C8"}};
    CHECK(spliced(text, edits) ==
          "[secrets]\nlog4j.appender.LOGEVENT.password = \"C2\"\n\"my.key\" = \"C3\"\n"
          "inline = { a = \"C4\" }\n[other]\nx = 1\n[secrets.sub]\nb = \"C8\"\n");
}

TEST_CASE("secrets: absent table, plaintext rules") {
    CHECK(find_secret_slots("[server]\nhostname = \"x\"\n", "deployment.toml").empty());
    CHECK(find_secret_slots("", "deployment.toml").empty());

    SecretSlot s;
    s.value = Password("[a]b]");
    CHECK(s.is_plaintext());
    CHECK(as_text(s.plaintext()) == "a]b");
    s.value = Password("[]");
    CHECK(s.is_plaintext());
    CHECK(s.plaintext().empty());
    for (const char* v : {"[x", "x]", "", "[", "abc"}) {
        s.value = Password(v);
        CHECK_FALSE(s.is_plaintext());
    }
}

TEST_CASE("secrets: bad input is an input error with file, line and column") {
    auto message_of = [](const std::string& text) -> std::string {
        try {
            find_secret_slots(text, "deployment.toml");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::input);
            return e.what();
        }
        FAIL("no error for: " << text);
        return {};
    };
    SUBCASE("malformed TOML") {
        const std::string m = message_of("[server]\nhostname = \"x\"\n[secrets]\na = \"unterminated\nb = 1\n");
        CHECK(m.rfind("deployment.toml:4:", 0) == 0);
    }
    SUBCASE("duplicate keys") {
        const std::string m = message_of("[secrets]\na = \"[x]\"\nb = \"y\"\na = \"[z]\"\n");
        CHECK(m.rfind("deployment.toml:4:", 0) == 0);
        CHECK(m.find("'a'") != std::string::npos);
    }
    SUBCASE("non-string value names the key and line") {
        const std::string m = message_of("[secrets]\nok = \"[x]\"\nport = 9443\n");
        CHECK(m.rfind("deployment.toml:3:", 0) == 0);
        CHECK(m.find("'port'") != std::string::npos);
        CHECK(m.find("integer") != std::string::npos);
    }
    SUBCASE("a dotted key that collides with a quoted one") {
        const std::string m = message_of("[secrets]\n\"a.b\" = \"[x]\"\n\"é\" = 'y'\na.b = \"[z]\"\n");
        CHECK(m.rfind("deployment.toml:4:7:", 0) == 0);
        CHECK(m.find("'a.b'") != std::string::npos);
    }
    SUBCASE("arrays in and as [secrets]") {
        CHECK(message_of("[secrets]\na = \"[x]\"\nlist = [\"[y]\"]\n").rfind("deployment.toml:3:1:", 0) == 0);
        CHECK(message_of("[[secrets]]\na = \"[x]\"\n").find("not a table") != std::string::npos);
    }
    SUBCASE("an unquoted password never appears in the message") {
        const std::string m = message_of("[secrets]\npw = 98765432109876543210987\n");
        CHECK(m.find("98765432109876543210987") == std::string::npos);
        CHECK(m.rfind("deployment.toml:2:", 0) == 0);
        const std::string m2 = message_of("[secrets]\npw = trueSecretValue\n");
        CHECK(m2.find("SecretValue") == std::string::npos);
    }
    SUBCASE("invalid UTF-8 and NUL bytes") {
        CHECK(message_of("[secrets]\na = \"\xff\"\n").rfind("deployment.toml:2:", 0) == 0);
        CHECK(message_of(std::string("[secrets]\na = \"x\"\0\n", 19)).rfind("deployment.toml:2:", 0) == 0);
    }
}

TEST_CASE("secrets: overlapping or out-of-range replacements are refused") {
    const std::string text = "[secrets]\na = \"[x]\"\n";
    CHECK_THROWS_AS(spliced(text, {{14, 19, "n"}, {16, 18, "m"}}), Error);
    CHECK_THROWS_AS(spliced(text, {{14, 100, "n"}}), Error);
    CHECK(spliced(text, {}) == text);
}

TEST_CASE("secrets: hostile input never crashes") {
    // Deep nesting.
    CHECK_THROWS_AS(find_secret_slots("a = " + std::string(100000, '['), "deployment.toml"), Error);
    CHECK_THROWS_AS(find_secret_slots("secrets = " + std::string(100000, '{'), "deployment.toml"), Error);

    // Random single-byte mutations of the sample: either slots whose tokens are
    // exactly what they claim (checked inside), or an input error.
    std::mt19937 rng(12345);
    const std::string alphabet = "\"'[]{}=#\\\n\r\t .au\xc3\xbc\xe2\x9c\x93";
    size_t parsed = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string t = sample;
        const size_t n = 1 + rng() % 3;
        for (size_t k = 0; k < n; ++k) {
            const size_t at = rng() % t.size();
            switch (rng() % 3) {
                case 0: t.erase(at, 1); break;
                case 1: t.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
                default: t[at] = alphabet[rng() % alphabet.size()];
            }
        }
        try {
            const auto slots = find_secret_slots(t, "deployment.toml");
            ++parsed;
            std::vector<SecretReplacement> edits;
            for (const auto& s : slots) {
                REQUIRE(s.begin < s.end);
                REQUIRE(s.end <= t.size());
                edits.push_back({s.begin, s.end, "new"});
            }
            const auto after = find_secret_slots(spliced(t, edits), "deployment.toml");
            CHECK(after.size() == slots.size());
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::input);
            // Valid TOML must always be located exactly; only bad TOML may fail.
            CHECK(std::string(e.what()).find("cannot locate") == std::string::npos);
        }
    }
    CHECK(parsed > 0);
}
