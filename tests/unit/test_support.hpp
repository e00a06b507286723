// Helpers shared by the unit tests: a scratch folder, running the real peers
// (keytool, openssl, java) to make test material, reading files.
#pragma once
#include "ksc/bytes.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ksc::test {

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

// ../shared/fixtures/wso2 beside the repository, when it exists (CI, developers);
// empty path otherwise (a user's fresh clone).
std::filesystem::path wso2_fixtures();

}  // namespace ksc::test
