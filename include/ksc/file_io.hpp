// Writing files that must never be lost or left half-written.
#pragma once
#include <signal.h>

#include <filesystem>
#include <string_view>

namespace ksc {

// Replaces `file` with `content` atomically: a temp file in the same folder,
// fsync, rename over the original, fsync of the folder. The original's mode (and
// owner, when we may) is kept; a new file gets `new_mode`. With backup_path set,
// the previous content is first kept there (same atomic method, mode 0600).
// Any failure leaves the original untouched and removes the temp file.
void write_file_atomically(const std::filesystem::path& file, std::string_view content,
                           const std::filesystem::path& backup_path = {},
                           std::filesystem::perms new_mode = std::filesystem::perms(0600));

// For a program that writes with write_file_atomically: SIGHUP, SIGINT and SIGTERM
// first remove the temp file being written (it holds the new content, secrets
// included), then end the process with the signal's default action; SIGXFSZ is
// ignored, so a write over `ulimit -f` fails as an error instead of killing the
// process half-way. Async-signal-safe (only sigaction), so a program's own
// handler may call it to hand the next signal back to these handlers.
void end_cleanly_on_signals() noexcept;

// Holds back SIGHUP, SIGINT and SIGTERM in the calling thread for its lifetime; one
// that arrives meanwhile is delivered when it ends. Threads inherit the mask, so a
// worker thread started inside this scope never takes those signals: they reach the
// main thread, which alone writes files and checks the stop flag.
class SignalsHeld {
public:
    SignalsHeld();
    ~SignalsHeld();
    SignalsHeld(const SignalsHeld&) = delete;
    SignalsHeld& operator=(const SignalsHeld&) = delete;

private:
    sigset_t previous_;
};

}  // namespace ksc
