#include "test_support.hpp"

#include "ksc/password.hpp"

#include <botan/hash.h>
#include <botan/x509self.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace ksc::test {

ScratchDir::ScratchDir() {
    std::random_device rd;
    auto base = std::filesystem::temp_directory_path();
    for (int i = 0; i < 100; ++i) {
        auto p = base / ("ksc-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(p)) {
            path_ = p;
            return;
        }
    }
    throw std::runtime_error("cannot create a scratch folder");
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

// ctest runs every TEST_CASE as its own process, in parallel: each process logs to its own
// file beside the test binary (in the build tree), kept only when a command fails.
static std::filesystem::path command_log() {
    std::error_code ec;
    auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "test-logs";
    if (ec) dir = std::filesystem::current_path() / "test-logs";
    std::filesystem::create_directories(dir);
    return dir / ("unit-" + std::to_string(::getpid()) + ".log");
}

int run(const std::string& command, bool must_succeed) {
    const std::filesystem::path log = command_log();
    const std::string full = "LC_ALL=C.UTF-8 " + command + " >'" + log.string() + "' 2>&1";
    const int status = std::system(full.c_str());
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (must_succeed && code != 0)
        throw std::runtime_error("command failed (" + std::to_string(code) + "): " + command + "\n" + slurp(log) +
                                 "(log: " + log.string() + ")");
    std::error_code ec;
    std::filesystem::remove(log, ec);
    return code;
}

std::string run_output(const std::string& command) {
    const std::string full = "LC_ALL=C.UTF-8 " + command;
    FILE* p = popen(full.c_str(), "r");
    if (!p) throw std::runtime_error("popen failed: " + command);
    std::string out;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("command failed: " + command);
    return out;
}

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write(const std::filesystem::path& file, const std::string& content) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::filesystem::path wso2_fixtures() {
    // Tests run from the build folder; the repository root is KSC_SRC or the source dir.
    const char* src = std::getenv("KSC_SRC");
    std::filesystem::path root = src ? src : KSC_SOURCE_DIR;
    auto p = root.parent_path() / "shared" / "fixtures" / "wso2";
    return std::filesystem::exists(p / "wso2carbon.jks") ? p : std::filesystem::path{};
}

std::vector<std::string> aes_peer(const std::string& args, const std::vector<std::string>& lines) {
    static ScratchDir dir;
    static const std::string cp = "/usr/share/java/gson.jar:" + dir.path().string();
    static bool compiled = false;
    if (!compiled) {
        run("javac -nowarn -cp /usr/share/java/gson.jar -d '" + dir.path().string() + "' '" +
            std::string(KSC_SOURCE_DIR) + "/tests/java/AesPeer.java'");
        compiled = true;
    }
    std::string in;
    for (const auto& l : lines) in += l + "\n";
    const auto input = dir / "in.txt";
    write(input, in);
    const std::string out = run_output("java -cp '" + cp + "' AesPeer " + args + " < '" + input.string() + "'");
    std::vector<std::string> result;
    size_t start = 0;
    for (size_t nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', start)) {
        result.push_back(out.substr(start, nl - start));
        start = nl + 1;
    }
    return result;
}

RsaKeys& rsa_keys() {
    static RsaKeys k;
    return k;
}

LoadedKey memory_key(const std::string& name, const Botan::RSA_PrivateKey& key) {
    Botan::AutoSeeded_RNG rng;
    Botan::X509_Cert_Options opts("ksc-test-" + name);
    opts.add_constraints(Botan::Key_Constraints(Botan::KEY_ENCIPHERMENT | Botan::DATA_ENCIPHERMENT));
    LoadedKey k;
    k.file = name + ".p12";
    k.alias = name;
    k.type = KeystoreType::pkcs12;
    k.certificate = Botan::X509::create_self_signed_cert(opts, key, "SHA-256", rng);
    k.facts = describe_certificate(k.certificate);
    // Not owned: rsa_keys() outlives every test.
    k.private_key = std::shared_ptr<const Botan::Private_Key>(std::shared_ptr<void>(), &key);
    return k;
}

Bytes seal_jks(Bytes body, const std::string& password) {
    auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
    sha1->update(Password(password).utf16be());
    sha1->update("Mighty Aphrodite");
    sha1->update(body);
    const auto h = sha1->final();
    body.insert(body.end(), h.begin(), h.end());
    return body;
}

void put32(Bytes& b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

}  // namespace ksc::test
