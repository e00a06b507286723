// Atomic file replacement: temp file beside the target, fsync, rename, fsync of
// the folder. At every point before the rename the original is untouched; after
// it the new content is complete. The Java cipher tool truncates and rewrites in
// place, which loses deployment.toml on a full disk: this is the fix.
#include "ksc/file_io.hpp"

#include "ksc/error.hpp"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>

namespace ksc {

namespace {

namespace fs = std::filesystem;

std::string os_error(int err) { return std::generic_category().message(err); }

// Owns a descriptor; closes it on every path out.
class Descriptor {
public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }
    // Closing can report a late write error (NFS, quotas): the caller must see it.
    int close() {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

private:
    int fd_;
};

// The temp file being written now, for the signal handler to remove: a fixed buffer
// and a flag, the only state a handler may read. One write at a time per process.
char pending_temp[PATH_MAX];
volatile sig_atomic_t pending_temp_set = 0;

extern "C" void remove_temp_and_end(int sig) {
    const int saved = errno;
    if (pending_temp_set) ::unlink(pending_temp);  // after the rename: ENOENT, harmless
    errno = saved;
    ::signal(sig, SIG_DFL);
    ::raise(sig);  // delivered on return from this handler: the default action ends the process
}

// A temp file that is removed unless committed (renamed into place), also when a
// signal ends the process meanwhile (end_cleanly_on_signals). Created with the
// signals held back (SignalsHeld): a signal between the file's creation and its
// naming here would otherwise end the process and leave the file behind.
class TempFile {
public:
    explicit TempFile(std::string path) : path_(std::move(path)) {
        if (path_.size() < sizeof pending_temp) {
            path_.copy(pending_temp, path_.size());
            pending_temp[path_.size()] = '\0';
            std::atomic_signal_fence(std::memory_order_seq_cst);  // the name is complete before the flag says so
            pending_temp_set = 1;
        }
    }
    ~TempFile() {
        // Removed before the handler forgets it: the other order leaves a window.
        if (!committed_) ::unlink(path_.c_str());
        std::atomic_signal_fence(std::memory_order_seq_cst);
        pending_temp_set = 0;
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }
    void commit() { committed_ = true; }

private:
    std::string path_;
    bool committed_ = false;
};

// The path a write lands on. A symlink (a common way to keep deployment.toml in a
// config repository) is followed so the link itself survives and its target gets
// the new content; renaming over the link would silently replace it by a file.
fs::path resolve_target(const fs::path& file) {
    fs::path p = file;
    for (int hops = 0;; ++hops) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) {
            if (errno == ENOENT) return p;  // a new file (or a dangling link's target)
            fail_input("cannot examine " + p.string() + ": " + os_error(errno));
        }
        if (!S_ISLNK(st.st_mode)) return p;
        if (hops >= 40) fail_input(file.string() + ": too many levels of symbolic links");
        std::error_code ec;
        const fs::path target = fs::read_symlink(p, ec);
        if (ec) fail_input("cannot read the symbolic link " + p.string() + ": " + ec.message());
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
}

struct Existing {
    mode_t mode;
    uid_t uid;
    gid_t gid;
};

// What is at `target` now; refuses anything a config file cannot be.
std::optional<Existing> examine(const fs::path& target) {
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        fail_input("cannot examine " + target.string() + ": " + os_error(errno));
    }
    if (S_ISDIR(st.st_mode)) fail_input(target.string() + " is a folder, not a file; nothing was written");
    if (!S_ISREG(st.st_mode)) fail_input(target.string() + " is not a regular file; nothing was written");
    return Existing{static_cast<mode_t>(st.st_mode & 07777), st.st_uid, st.st_gid};
}

void write_all(int fd, std::string_view content, const std::string& what) {
    size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_input("cannot write " + what + ": " + os_error(errno) + "; the original is unchanged");
        }
        done += static_cast<size_t>(n);
    }
}

// A rename is durable only once the folder's entry is on disk.
void sync_folder(const fs::path& folder, const std::string& what) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // e.g. a folder we may write but not read: nothing more we can do
    Descriptor dir(fd);
    if (::fsync(dir.get()) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS)
        fail_input(what + " was written, but syncing its folder failed: " + os_error(errno));
}

// Writes `content` to `target` through a temp file; `owner` is set when we may.
void replace_file(const fs::path& target, std::string_view content, mode_t mode,
                  const std::optional<Existing>& owner) {
    const std::string what = target.string();
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    // Built by appends: GCC 12 gives a false -Wrestrict on "." + std::string + "...".
    std::string base = ".";
    base.append(target.filename().string()).append(".ksc-XXXXXX");
    std::string name = (folder / base).string();
    // mkostemp: O_CREAT|O_EXCL with mode 0600, so no one else can open it meanwhile.
    std::optional<SignalsHeld> held(std::in_place);
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0)
        fail_input("cannot create a temporary file in " + folder.string() + " to write " + what + ": " +
                       os_error(errno) + "; the original is unchanged",
                   "check that the folder exists and that you may write to it");
    Descriptor file(fd);
    TempFile temp(name);
    held.reset();

    write_all(file.get(), content, what);
    if (owner) {
        struct stat st {};
        // Keeping owner and group needs privileges we may not have; then the new
        // file is ours, with the original's mode.
        if (::fstat(file.get(), &st) == 0 && (st.st_uid != owner->uid || st.st_gid != owner->gid) &&
            ::fchown(file.get(), owner->uid, owner->gid) != 0 && errno != EPERM)
            fail_input("cannot set the owner of " + what + ": " + os_error(errno) + "; the original is unchanged");
    }
    if (::fchmod(file.get(), mode) != 0)
        fail_input("cannot set the mode of " + what + ": " + os_error(errno) + "; the original is unchanged");
    if (::fsync(file.get()) != 0)
        fail_input("cannot write " + what + ": " + os_error(errno) + "; the original is unchanged");
    if (file.close() != 0)
        fail_input("cannot write " + what + ": " + os_error(errno) + "; the original is unchanged");
    if (::rename(temp.path().c_str(), target.c_str()) != 0)
        fail_input("cannot replace " + what + ": " + os_error(errno) + "; the original is unchanged");
    temp.commit();
    sync_folder(folder, what);
}

std::string read_whole(const fs::path& target) {
    const int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_input("cannot read " + target.string() + " to back it up: " + os_error(errno));
    Descriptor file(fd);
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(file.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_input("cannot read " + target.string() + " to back it up: " + os_error(errno));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& file, std::string_view content,
                           const std::filesystem::path& backup_path, std::filesystem::perms new_mode) {
    if (file.empty()) fail_input("no file name given to write");
    const fs::path target = resolve_target(file);
    const std::optional<Existing> existing = examine(target);
    // The rename below would replace a read-only file whenever its folder is
    // writable, silently overriding the operator's chmod (and, for another owner's
    // file, its group). Honour the file's own permission, as an editor does.
    if (existing && ::access(target.c_str(), W_OK) != 0)
        fail_input(target.string() + " is not writable (" + os_error(errno) + "); nothing was written",
                   "make it writable (chmod u+w) or run as its owner");

    // The backup holds the same secrets (encrypted or not) as the original: 0600,
    // ours. It is written first, so a failure below still leaves it complete. It
    // replaces whatever is at backup_path, a symlink included (never followed).
    if (!backup_path.empty() && existing) {
        struct stat st {};
        if (::lstat(backup_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            fail_input(backup_path.string() + " is a folder, not a file; nothing was written");
        replace_file(backup_path, read_whole(target), 0600, std::nullopt);
    }
    const mode_t mode = existing ? existing->mode : static_cast<mode_t>(new_mode) & 07777;
    replace_file(target, content, mode, existing);
}

SignalsHeld::SignalsHeld() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
}

SignalsHeld::~SignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

void end_cleanly_on_signals() noexcept {
    struct sigaction act {};
    act.sa_handler = remove_temp_and_end;
    sigemptyset(&act.sa_mask);
    for (int sig : {SIGHUP, SIGINT, SIGTERM}) ::sigaction(sig, &act, nullptr);
    act.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &act, nullptr);
}

}  // namespace ksc
