// One migration at a time per database: an exclusive flock on "<db>.ksmigrate.lock"
// (released by the kernel even after kill -9), holding the holder's pid and host.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace ksc {

class RunLock {
public:
    // ErrorKind::refused naming the holder ("pid 1234 on host x since ...") when held.
    explicit RunLock(const std::filesystem::path& database);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    static std::filesystem::path lock_file(const std::filesystem::path& database);

    // Whether a live process holds the lock, for status: read-only, it never creates
    // or removes the lock file (a stale file left by a killed run is not held).
    // nullopt when the existing lock file cannot be opened (another user's 0600 file).
    static std::optional<bool> is_held(const std::filesystem::path& database);

private:
    int fd_ = -1;
    std::filesystem::path path_;
};

}  // namespace ksc
