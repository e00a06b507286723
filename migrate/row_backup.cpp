#include "row_backup.hpp"

#include "ksc/error.hpp"
#include "ksc/row_key.hpp"
#include "ksc/row_scan.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ksc::detail {
namespace {

class BackupFile {
public:
    explicit BackupFile(const std::filesystem::path& file) : file_(file) {
        // 0600 whatever the umask allows more of: the old values are secrets under the old key.
        fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            if (errno == EEXIST) fail_refused(file.string() + ": backup file already exists; not overwriting it");
            fail_input(file.string() + ": cannot create backup file: " + std::strerror(errno));
        }
    }
    ~BackupFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!kept_) {
            std::error_code ec;
            std::filesystem::remove(file_, ec);
        }
    }
    void write(const std::string& line) {
        buffer_ += line;
        buffer_ += '\n';
        if (buffer_.size() > (1 << 20)) flush();
    }
    void keep() {
        flush();
        if (::fsync(fd_) != 0) fail("fsync");
        ::close(fd_);
        fd_ = -1;
        kept_ = true;
    }

private:
    void flush() {
        for (size_t done = 0; done < buffer_.size();) {
            const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("write");
            done += static_cast<size_t>(n);
        }
        buffer_.clear();
    }
    [[noreturn]] void fail(const char* what) {
        fail_input(file_.string() + ": backup " + what + " failed: " + std::strerror(errno),
                   "free disk space or choose another file with --backup; nothing was changed");
    }
    std::filesystem::path file_;
    int fd_ = -1;
    bool kept_ = false;
    std::string buffer_;
};

}  // namespace

void write_row_backup(const Database& db, const std::vector<const Placement*>& placements,
                      const std::filesystem::path& file) {
    BackupFile out(file);
    std::vector<Row> rows;
    for (const Placement* p : placements) {
        RowScanner scanner(db, p->stored, 1000);
        const std::string target = nlohmann::json(p->target->name()).dump();
        while (scanner.next_batch(rows))
            for (const Row& r : rows) {
                const std::string value = encode_row_key({r.value});  // "[v]": the typed value inside
                out.write("{\"target\":" + target + ",\"key\":" + encode_row_key(r.key) +
                          ",\"value\":" + value.substr(1, value.size() - 2) + "}");
            }
    }
    out.keep();
}

}  // namespace ksc::detail
