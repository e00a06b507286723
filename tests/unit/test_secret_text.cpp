// Secret text in memory: Password is the one type that holds it, and wipe() clears the
// std::strings a library makes us use, whole buffer included.
#include "ksc/bytes.hpp"
#include "ksc/error.hpp"
#include "ksc/password.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <string_view>

using namespace ksc;

namespace {

// Every byte the string's buffer holds, past size() too.
std::string_view whole_buffer(const std::string& s) { return {s.data(), s.capacity()}; }

bool all_zero(std::string_view bytes) { return bytes.find_first_not_of('\0') == std::string_view::npos; }

}  // namespace

TEST_CASE("secret text: wipe clears a moved-from short string, whose size is already 0") {
    std::string secret = "hunter2-pw";  // short: kept inside the string object itself
    const std::string taken = std::move(secret);
    REQUIRE(taken == "hunter2-pw");
    REQUIRE(secret.empty());
    // The soft spot: the characters are still in the object, so scrubbing size() bytes wipes nothing.
    REQUIRE(whole_buffer(secret).find("unter2-pw") != std::string_view::npos);
    wipe(secret);
    CHECK(secret.empty());
    CHECK(all_zero(whole_buffer(secret)));
}

TEST_CASE("secret text: wipe clears a long string's whole allocation, cleared or not") {
    std::string cleared(200, 'k');
    cleared.clear();  // size 0, the 200 characters still allocated
    REQUIRE(whole_buffer(cleared).find('k') != std::string_view::npos);
    wipe(cleared);
    CHECK(cleared.capacity() >= 200);
    CHECK(all_zero(whole_buffer(cleared)));

    std::string full(300, 's');
    wipe(full);
    CHECK(full.empty());
    CHECK(all_zero(whole_buffer(full)));
}

TEST_CASE("secret text: WipeOnExit wipes on every way out") {
    std::string s = "pw-in-a-std-string";
    try {
        const WipeOnExit guard(s);
        throw std::runtime_error("a failure after the secret was copied");
    } catch (const std::runtime_error&) {
    }
    CHECK(s.empty());
    CHECK(all_zero(whole_buffer(s)));
}

TEST_CASE("secret text: a Password is text, and a moved-from one holds nothing") {
    Password p(std::string_view("s3cret \xC3\xA4"));
    CHECK(p.text() == "s3cret \xC3\xA4");
    CHECK(p.utf8().size() == p.text().size());
    const Password moved = std::move(p);
    CHECK(moved.text() == "s3cret \xC3\xA4");
    CHECK(p.text().empty());  // its buffer went with the move: nothing left behind to wipe
}

TEST_CASE("secret text: read_secret_file reads the same bytes as read_text_file, with the same limits") {
    test::ScratchDir dir;
    const std::string content = std::string("[secrets]\nx = \"[p\xC3\xA4ss]\"\r\n") + std::string(1, '\0') + "end";
    test::write(dir / "deployment.toml", content);
    const SecureBytes secret = read_secret_file(dir / "deployment.toml");
    CHECK(std::string(secret.begin(), secret.end()) == read_text_file(dir / "deployment.toml"));
    CHECK(std::string(secret.begin(), secret.end()) == content);
    CHECK_THROWS_AS(read_secret_file(dir / "deployment.toml", 10), Error);
    CHECK_THROWS_AS(read_secret_file(dir / "missing.toml"), Error);
}

TEST_CASE("is_text: well-formed UTF-8 without control characters, as a secret typed into WSO2 is") {
    CHECK(is_text(""));
    CHECK(is_text("s3cr\xC3\xA9t with spaces\tand\r\nlines \xE2\x82\xAC \xF0\x9F\x94\x91"));
    for (const std::string_view bad : {std::string_view("a\0b", 3), std::string_view("\x1b[0m"), std::string_view("\x7f"),
                                       std::string_view("\xC2\x85"),      // C1 control (NEL)
                                       std::string_view("\xC3"),          // truncated
                                       std::string_view("\xC0\xAF"),      // overlong '/'
                                       std::string_view("\xED\xA0\x80"),  // a surrogate
                                       std::string_view("\xF4\x90\x80\x80"),  // past U+10FFFF
                                       std::string_view("\xFF")}) {
        CAPTURE(bad);
        CHECK_FALSE(is_text(bad));
    }
    uint32_t cp = 0;
    CHECK(utf8_sequence("\xE2\x82\xAC", 0, &cp) == 3);
    CHECK(cp == 0x20AC);
    CHECK(utf8_sequence("\xE2\x82", 0, &cp) == 0);
}
