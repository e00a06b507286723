// The hint for a missing password names only options the program has: kscipher offers
// --password-stdin, ksmigrate (--from-/--to- keystores) reads no password from stdin.
#include "ksc/error.hpp"
#include "ksc/password_source.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

using namespace ksc;

namespace {

// The hint of resolve_password with no source at all, standard input not a terminal.
std::string hint_for(const std::string& prefix) {
    const int saved = ::dup(STDIN_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::close(null);
    std::string hint;
    try {
        PasswordOptions o;
        o.option_prefix = prefix;
        resolve_password(o, std::nullopt, "store password of x.jks");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        hint = e.hint();
    }
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    return hint;
}

}  // namespace

TEST_CASE("password hints: only options that exist") {
    const std::string kscipher = hint_for("--");
    CHECK(kscipher.find("--password-file") != std::string::npos);
    CHECK(kscipher.find("--password-stdin") != std::string::npos);
    for (const char* prefix : {"--from-", "--to-"}) {
        const std::string ksmigrate = hint_for(prefix);
        CAPTURE(ksmigrate);
        CHECK(ksmigrate.find(std::string(prefix) + "password-file") != std::string::npos);
        CHECK(ksmigrate.find(std::string(prefix) + "password-env") != std::string::npos);
        CHECK(ksmigrate.find("password-stdin") == std::string::npos);
    }
}
