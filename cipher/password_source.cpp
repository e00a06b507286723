#include "ksc/password_source.hpp"

#include "ksc/error.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace ksc {

namespace {

void strip_line_end(SecureBytes& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

// Reads up to the first newline from fd into wiped memory (no std::string copies).
SecureBytes read_line_fd(int fd, size_t limit = 64 * 1024) {
    SecureBytes out;
    uint8_t c;
    while (out.size() < limit) {
        const ssize_t n = ::read(fd, &c, 1);
        if (n <= 0 || c == '\n') break;
        out.push_back(c);
    }
    strip_line_end(out);
    return out;
}

}  // namespace

Password read_password_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_input("password file " + file.string() + ": cannot be read");
    SecureBytes line = read_line_fd(fd);
    ::close(fd);
    return Password(std::move(line));
}

SecureBytes read_stdin_line() { return read_line_fd(STDIN_FILENO); }

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

std::optional<Password> prompt_password(const std::string& prompt) {
    const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) return std::nullopt;
    termios old{};
    const bool have_termios = ::tcgetattr(tty, &old) == 0;
    if (have_termios) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    const std::string shown = prompt + ": ";
    [[maybe_unused]] auto w1 = ::write(tty, shown.data(), shown.size());
    SecureBytes line = read_line_fd(tty);
    if (have_termios) ::tcsetattr(tty, TCSAFLUSH, &old);
    [[maybe_unused]] auto w2 = ::write(tty, "\n", 1);
    ::close(tty);
    return Password(std::move(line));
}

Password resolve_password(const PasswordOptions& o, const std::optional<Password>& config_literal,
                          const std::string& what) {
    if (!o.file.empty()) return read_password_file(o.file);
    if (!o.env.empty()) {
        const char* v = std::getenv(o.env.c_str());
        if (!v) fail_usage("environment variable " + o.env + " (given to " + o.option_prefix +
                           "password-env) is not set");
        return Password(std::string_view(v));
    }
    if (o.from_stdin) return Password(read_stdin_line());
    if (config_literal) return *config_literal;
    if (stdin_is_terminal()) {
        if (auto p = prompt_password("Enter " + what)) return std::move(*p);
    }
    // Only kscipher ("--") has --password-stdin: ksmigrate reads two keystores' passwords
    // (--from-, --to-) and takes neither from standard input.
    const std::string& p = o.option_prefix;
    fail_usage("no " + what + " given", p == "--" ? "use --password-file FILE, --password-env NAME or --password-stdin"
                                                  : "use " + p + "password-file FILE or " + p + "password-env NAME");
}

}  // namespace ksc
