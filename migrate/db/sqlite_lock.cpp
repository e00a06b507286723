// One ksmigrate run per database. flock is tied to the open file description, so
// the kernel releases it when the holder dies, even by kill -9; the file's text
// only says who holds it.
#include "ksc/run_lock.hpp"

#include "ksc/clock.hpp"

#include "ksc/error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace ksc {
namespace {

std::string holder_line() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown-host");
    return "pid " + std::to_string(getpid()) + " on " + host + " since " + utc_now();
}

std::string read_holder(int fd) {
    char buf[512];
    const ssize_t n = pread(fd, buf, sizeof buf, 0);
    std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    return s;
}

// flock with a short grace: status probes the lock by taking it for an instant, and
// a run starting in that instant must not be refused for it. A real holder keeps the
// lock for its whole run, so waiting a quarter of a second more changes nothing there.
// Returns 0 or the errno of the last attempt.
int lock_with_grace(int fd) {
    for (int waited_ms = 0;; waited_ms += 10) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
        const int err = errno;
        if ((err != EWOULDBLOCK && err != EINTR) || waited_ms >= 250) return err;
        ::usleep(10 * 1000);
    }
}

}  // namespace

std::filesystem::path RunLock::lock_file(const std::filesystem::path& database) {
    return std::filesystem::path(database.string() + ".ksmigrate.lock");
}

RunLock::RunLock(const std::filesystem::path& database) : path_(lock_file(database)) {
    // A holder removes the file when it finishes. If it does so between our open and
    // our flock, we hold a lock on a file nobody else can see: check that the path
    // still names the inode we locked, and start over if not.
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) fail_input(path_.string() + ": cannot open lock file: " + std::strerror(errno));
        if (const int err = lock_with_grace(fd); err != 0) {
            const std::string holder = read_holder(fd);
            ::close(fd);
            if (err == EWOULDBLOCK || err == EINTR)
                fail_refused("another ksmigrate run holds " + database.string() +
                                 (holder.empty() ? std::string() : ": " + holder),
                             "wait for it to finish; the lock is released as soon as that process ends");
            fail_input(path_.string() + ": cannot lock: " + std::strerror(err));
        }
        struct stat by_fd{}, by_path{};
        if (fstat(fd, &by_fd) == 0 && ::stat(path_.c_str(), &by_path) == 0 && by_fd.st_dev == by_path.st_dev &&
            by_fd.st_ino == by_path.st_ino) {
            const std::string line = holder_line() + "\n";
            if (ftruncate(fd, 0) != 0 || pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
                const int err = errno;
                ::close(fd);
                fail_input(path_.string() + ": cannot write lock file: " + std::strerror(err));
            }
            fd_ = fd;
            return;
        }
        ::close(fd);
    }
    fail_refused(path_.string() + ": the lock file keeps changing; another ksmigrate run is starting or ending");
}

RunLock::~RunLock() {
    // Remove before unlocking, so a waiter never locks a file that is about to vanish
    // (it re-checks the inode above in any case).
    ::unlink(path_.c_str());
    ::close(fd_);
}

std::optional<bool> RunLock::is_held(const std::filesystem::path& database) {
    const auto path = lock_file(database);
    // O_RDONLY and no O_CREAT: a probe must not make a lock file appear (nor remove
    // one, which would let two runs lock different inodes).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno == ENOENT ? std::optional<bool>(false) : std::nullopt;
    const int err = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
    ::close(fd);  // releases the probe's own lock at once, if it got it
    if (err == 0) return false;
    if (err == EWOULDBLOCK) return true;
    return std::nullopt;
}

}  // namespace ksc
