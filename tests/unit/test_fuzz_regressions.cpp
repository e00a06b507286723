// Replays tests/fuzz/regressions/<target>/ (inputs that once crashed, hung or broke a
// property, and hand-made hostile ones) and the seed corpus tests/fuzz/corpus/<target>/
// through the same entry functions the libFuzzer targets call, without libFuzzer.
// Each must end in success or a clean ksc::Error (the entry functions swallow those);
// any other exception fails here, a broken property aborts the binary.
#include "../fuzz/fuzz_targets.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Entry = int (*)(const uint8_t*, size_t);

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Returns how many files were replayed.
size_t replay(const std::string& folder, const std::string& target, Entry entry) {
    const fs::path dir = fs::path(KSC_SOURCE_DIR) / "tests" / "fuzz" / folder / target;
    const auto files = files_in(dir);
    for (const auto& f : files) {
        INFO("input: " << f.string());
        const std::string bytes = ksc::test::slurp(f);
        const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
        try {
            CHECK(entry(data, bytes.size()) == 0);
        } catch (const std::exception& e) {
            FAIL("escaped with a non-ksc::Error exception: " << e.what());
        } catch (...) {
            FAIL("escaped with a non-standard exception");
        }
    }
    return files.size();
}

void replay_target(const std::string& target, Entry entry) {
    CHECK_MESSAGE(replay("regressions", target, entry) > 0, "no regression inputs for " << target);
    CHECK_MESSAGE(replay("corpus", target, entry) > 0, "no seed corpus for " << target);
}

}  // namespace

TEST_CASE("fuzz regressions: keystore_jks") { replay_target("keystore_jks", ksc::fuzz::fuzz_keystore_jks); }
TEST_CASE("fuzz regressions: keystore_pkcs12") { replay_target("keystore_pkcs12", ksc::fuzz::fuzz_keystore_pkcs12); }
TEST_CASE("fuzz regressions: ciphertext") { replay_target("ciphertext", ksc::fuzz::fuzz_ciphertext); }
TEST_CASE("fuzz regressions: secrets_editor") { replay_target("secrets_editor", ksc::fuzz::fuzz_secrets_editor); }
TEST_CASE("fuzz regressions: json_values") { replay_target("json_values", ksc::fuzz::fuzz_json_values); }
