// Where keystore passwords come from, in this order (README.md "A short tour"):
// --password-file, --password-env, --password-stdin, the literal in deployment.toml,
// a prompt with echo off on a terminal; else a usage error naming the options.
// A password never comes from argv itself.
#pragma once
#include "ksc/password.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace ksc {

struct PasswordOptions {
    std::filesystem::path file;   // first line of the file
    std::string env;              // name of an environment variable
    bool from_stdin = false;      // first line of standard input
    std::string option_prefix = "--";  // "--", "--from-", "--to-": for messages
};

// `what` names the password in prompts and errors ("store password of wso2carbon.jks").
Password resolve_password(const PasswordOptions& options, const std::optional<Password>& config_literal,
                          const std::string& what);

// First line of a file (trailing CR/LF removed).
Password read_password_file(const std::filesystem::path& file);

// Reads one line from standard input (trailing newline removed) into wiped memory.
SecureBytes read_stdin_line();

// Prompts on /dev/tty with echo off; nullopt when there is no terminal.
std::optional<Password> prompt_password(const std::string& prompt);
bool stdin_is_terminal();

}  // namespace ksc
