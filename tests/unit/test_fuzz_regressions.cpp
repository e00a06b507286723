// Replays tests/fuzz/regressions/<target>/ (inputs that once crashed, hung or broke a
// property, and hand-made hostile ones) and the seed corpus tests/fuzz/corpus/<target>/
// through the same entry functions the libFuzzer targets call, without libFuzzer, and
// compares each outcome with the one pinned in <folder>/<target>.expected, like a test
// vector. One line per file:
//     <file name> accepted <digest>      (the digest each target makes: fuzz_targets.hpp)
//     <file name> rejected <category>    (input, usage or refused)
// Blank lines and lines starting with '#' are ignored. A file without a line fails (pin
// every new input), and so does a line without its file. Any exception other than
// ksc::Error fails here; a broken property aborts the binary.
#include "../fuzz/fuzz_targets.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Entry = ksc::fuzz::Outcome (*)(const uint8_t*, size_t);

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// file name -> pinned outcome, from <target>.expected beside the <target>/ folder.
std::map<std::string, std::string> read_expectations(const fs::path& file) {
    std::map<std::string, std::string> pins;
    if (!fs::exists(file)) return pins;
    std::istringstream in(ksc::test::slurp(file));
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        const size_t space = line.find(' ');
        INFO(file.string() << ":" << n << ": " << line);
        if (space == std::string::npos) {
            FAIL_CHECK("not '<file name> <outcome>'");
            continue;
        }
        const bool fresh = pins.emplace(line.substr(0, space), line.substr(space + 1)).second;
        CHECK_MESSAGE(fresh, "a second line for the same file");
    }
    return pins;
}

// Returns how many files were replayed.
size_t replay(const std::string& folder, const std::string& target, Entry entry) {
    const fs::path base = fs::path(KSC_SOURCE_DIR) / "tests" / "fuzz" / folder;
    const fs::path pin_file = base / (target + ".expected");
    auto pins = read_expectations(pin_file);
    const auto files = files_in(base / target);
    for (const auto& f : files) {
        const std::string name = f.filename().string();
        INFO("input: " << f.string());
        const std::string bytes = ksc::test::slurp(f);
        const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
        std::string outcome;
        try {
            outcome = entry(data, bytes.size());
        } catch (const std::exception& e) {
            FAIL_CHECK("escaped with a non-ksc::Error exception: " << e.what());
            continue;
        } catch (...) {
            FAIL_CHECK("escaped with a non-standard exception");
            continue;
        }
        const auto pin = pins.find(name);
        if (pin == pins.end()) {
            FAIL_CHECK("no expectation in " << pin_file.string() << "; pin it with the line:\n"
                                            << name << " " << outcome);
            continue;
        }
        CHECK_MESSAGE(outcome == pin->second, "pinned in " << pin_file.string());
        pins.erase(pin);
    }
    for (const auto& [name, outcome] : pins)
        FAIL_CHECK(pin_file.string() << " pins " << name << ", which is not in " << (base / target).string());
    return files.size();
}

void replay_target(const std::string& target, Entry entry) {
    const size_t regressions = replay("regressions", target, entry);
    CHECK_MESSAGE(regressions > 0, "no regression inputs for " << target);
    const size_t seeds = replay("corpus", target, entry);
    CHECK_MESSAGE(seeds > 0, "no seed corpus for " << target);
}

}  // namespace

TEST_CASE("fuzz regressions: keystore_jks") { replay_target("keystore_jks", ksc::fuzz::fuzz_keystore_jks); }
TEST_CASE("fuzz regressions: keystore_pkcs12") { replay_target("keystore_pkcs12", ksc::fuzz::fuzz_keystore_pkcs12); }
TEST_CASE("fuzz regressions: ciphertext") { replay_target("ciphertext", ksc::fuzz::fuzz_ciphertext); }
TEST_CASE("fuzz regressions: secrets_editor") { replay_target("secrets_editor", ksc::fuzz::fuzz_secrets_editor); }
TEST_CASE("fuzz regressions: json_values") { replay_target("json_values", ksc::fuzz::fuzz_json_values); }
TEST_CASE("fuzz regressions: symmetric") { replay_target("symmetric", ksc::fuzz::fuzz_symmetric); }
