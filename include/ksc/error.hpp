// One error type for the whole library. The category decides the exit code
// (exactly one place maps it: exit_code_for); the message is one line a person can
// act on and never holds a secret; the optional hint says what to do instead.
#pragma once
#include <stdexcept>
#include <string>

namespace ksc {

enum class ErrorKind {
    usage,        // wrong command-line use                     -> exit 2
    input,        // missing/unreadable/malformed input, wrong password -> exit 3
    refused,      // refused for safety (key usage, lock, ...)  -> exit 4
    interrupted,  // SIGINT/SIGTERM honoured                    -> exit 130
    internal,     // an invariant of our own code broke (a bug)  -> exit 70
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message, std::string hint = {})
        : std::runtime_error(message), kind_(kind), hint_(std::move(hint)) {}
    ErrorKind kind() const noexcept { return kind_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorKind kind_;
    std::string hint_;
};

// Shorthands so call sites read as what they mean.
[[noreturn]] inline void fail_input(const std::string& m, std::string hint = {}) {
    throw Error(ErrorKind::input, m, std::move(hint));
}
[[noreturn]] inline void fail_refused(const std::string& m, std::string hint = {}) {
    throw Error(ErrorKind::refused, m, std::move(hint));
}
// An invariant of this code broke: never the user's fault, never "refused for safety".
[[noreturn]] inline void fail_internal(const std::string& m) {
    throw Error(ErrorKind::internal, "internal: " + m, "this is a bug in kscipher/ksmigrate; please report it with the command you ran");
}
[[noreturn]] inline void fail_usage(const std::string& m, std::string hint = {}) {
    throw Error(ErrorKind::usage, m, std::move(hint));
}

// Exit codes: README.md "Exit codes".
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int problems = 1;
inline constexpr int usage = 2;
inline constexpr int input = 3;
inline constexpr int refused = 4;
inline constexpr int internal = 70;   // EX_SOFTWARE of sysexits.h
inline constexpr int interrupted = 130;
}  // namespace exit_code

inline int exit_code_for(ErrorKind k) {
    switch (k) {
        case ErrorKind::usage: return exit_code::usage;
        case ErrorKind::input: return exit_code::input;
        case ErrorKind::refused: return exit_code::refused;
        case ErrorKind::interrupted: return exit_code::interrupted;
        case ErrorKind::internal: return exit_code::internal;
    }
    return exit_code::input;
}

}  // namespace ksc
