// Helpers shared by the unit tests: a scratch folder, running the real peers
// (keytool, openssl, java) to make test material, reading files.
#pragma once
#include "ksc/bytes.hpp"

#include <botan/auto_rng.h>
#include <botan/rsa.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ksc/compare_and_set.hpp"
#include "ksc/database.hpp"
#include "ksc/key_selection.hpp"

namespace ksc::test {

// A SQLite database through the backend interface, as ksmigrate opens it.
inline std::unique_ptr<Database> open_sqlite(const std::filesystem::path& file, Database::Mode mode) {
    DatabaseAddress a;
    a.file = file;
    return open_database(a, mode);
}

// compare_and_set for one row: whether it was changed.
inline bool cas_one(Database& db, const Target& t, std::vector<SqlValue> key, SqlValue old_value, SqlValue new_value) {
    return compare_and_set(db, t, {RowChange{std::move(key), std::move(old_value), std::move(new_value)}}).at(0);
}

// A fresh folder under $TMPDIR, removed when the object goes away.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Runs a shell command with LC_ALL=C.UTF-8 (keytool reads arguments in the locale's
// charset), output to a log; returns the exit status. Throws on a failure when must_succeed.
int run(const std::string& command, bool must_succeed = true);
std::string run_output(const std::string& command);  // stdout of a command that must succeed

std::string slurp(const std::filesystem::path& file);
void write(const std::filesystem::path& file, const std::string& content);

// Two RSA-2048 key pairs, made once per test process (key generation is the slow part).
struct RsaKeys {
    Botan::AutoSeeded_RNG rng;
    Botan::RSA_PrivateKey a{rng, 2048};
    Botan::RSA_PrivateKey b{rng, 2048};
};
RsaKeys& rsa_keys();

// A loaded key made in memory (no keytool, no file): a self-signed certificate named
// ksc-test-NAME that allows data encipherment, for `key` (one of rsa_keys(), which lives
// as long as the process).
LoadedKey memory_key(const std::string& name, const Botan::RSA_PrivateKey& key);

// A hand-made JKS/JCEKS body with its integrity hash for `password` appended, so the
// parser behind the hash can be reached; and a big-endian u32 appended to a body.
Bytes seal_jks(Bytes body, const std::string& password);
void put32(Bytes& b, uint32_t v);

// The Java AES peer (tests/java/AesPeer.java, with Debian's Gson), compiled once per
// process: `lines` go to its stdin, one output line per input line comes back. Throws
// when Java fails (a value it cannot decrypt, a bad key).
std::vector<std::string> aes_peer(const std::string& args, const std::vector<std::string>& lines);

// ../shared/fixtures/wso2 beside the repository, when it exists (CI, developers);
// empty path otherwise (a user's fresh clone).
std::filesystem::path wso2_fixtures();

}  // namespace ksc::test
