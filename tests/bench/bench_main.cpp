// ksc_bench: the measuring half of scripts/bench (which prints the report).
//   ksc_bench rsa-rate SECONDS CPU
//       Botan's single-core RSA-2048 private-key rate (OAEP-SHA1 decryptions/s) on CPU: the
//       baseline. The process is pinned to that one CPU before Botan starts: Botan 2 computes
//       the two CRT halves of every private-key operation on its global thread pool, so an
//       unpinned "single" process really uses about 1.6 cores.
//   ksc_bench gen-db DB ROWS KEYSTORE PASSWORD_FILE ALIAS [TARGET_KEYSTORE TARGET_PASSWORD_FILE TARGET_ALIAS TARGET_ROWS]
//       An IDN_OAUTH2_ACCESS_TOKEN table with ROWS self-contained OAEP values under the
//       key (the library's encryptor, which Java reads: see the interop tests), plus
//       TARGET_ROWS values already under a second key. KSC_BENCH_VALUES=plain-pkcs1 makes
//       legacy plain PKCS#1 v1.5 values instead.
//   ksc_bench gen-aes-db DB ROWS KEY_FILE
//       The same table with ROWS format-3 values (Carbon's AES-GCM, 128-byte IV, keyId) under
//       the AES key in the first line of KEY_FILE (the library's writer, which Java reads:
//       see tests/e2e/test_symmetric.sh).
//   ksc_bench rss COMMAND...
//       Runs COMMAND; prints "<seconds> <peak RSS KiB> <exit code> <CPU seconds, user + system>".
#include "ksc/aes_key_source.hpp"
#include "ksc/cipher_suite.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/database.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>
#include <botan/system_rng.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>

#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

using namespace ksc;
using Clock = std::chrono::steady_clock;

namespace {

int rsa_rate(double seconds, int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        std::perror("ksc_bench: sched_setaffinity");
        return 3;
    }
    Botan::AutoSeeded_RNG rng;
    const Botan::RSA_PrivateKey key(rng, 2048);
    Botan::PK_Encryptor_EME enc(key, rng, "OAEP(SHA-1)");
    // Blinding from the system generator, as ksmigrate's RSA suite draws it: the
    // baseline is the same private-key operation ksmigrate does.
    Botan::PK_Decryptor_EME dec(key, Botan::system_rng(), "OAEP(SHA-1)");
    const std::vector<uint8_t> msg(32, 0x42);
    const auto block = enc.encrypt(msg, rng);
    size_t n = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
        for (int i = 0; i < 20; ++i) dec.decrypt(block);
        n += 20;
        elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    std::printf("%.1f\n", static_cast<double>(n) / elapsed);
    return 0;
}

// An empty SQLite file holding the token table (the library never creates a database:
// a typo must not make an empty one).
std::unique_ptr<Database> new_token_db(const char* file) {
    if (FILE* f = std::fopen(file, "wx")) std::fclose(f);
    auto db = open_database(parse_database_address(file), Database::Mode::read_write);
    db->exec("CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255) PRIMARY KEY, ACCESS_TOKEN VARCHAR(2048), "
             "TOKEN_STATE VARCHAR(25))");
    return db;
}

// Inserts `rows` tokens (tok<from+i>, "access-token-<from+i>" sealed by `seal`), 10,000 per transaction.
template <typename Seal>
void insert_tokens(Database& db, int64_t from, int64_t rows, const Seal& seal) {
    auto ins = db.prepare("INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES (?, ?, 'ACTIVE')");
    const int64_t batch = 10000;
    for (int64_t start = 0; start < rows; start += batch) {
        Transaction tx(db);
        for (int64_t i = start; i < std::min(rows, start + batch); ++i) {
            const std::string plain = "access-token-" + std::to_string(from + i);
            ins->bind(1, "tok" + std::to_string(from + i)).bind(2, seal(plain));
            ins->step();
            ins->reset();
        }
        tx.commit();
    }
}

void fill(Database& db, const std::string& keystore, const std::string& pwfile, const std::string& alias,
          int64_t from, int64_t rows) {
    KeySpec spec;
    spec.keystore = keystore;
    spec.alias = alias;
    spec.password.file = pwfile;
    const LoadedKey key = load_key(spec, false);
    // KSC_BENCH_VALUES=plain-pkcs1: legacy plain PKCS#1 v1.5 values (the cipher tool's
    // default), which carry no key id and are classified by trial decryption.
    const char* kind = std::getenv("KSC_BENCH_VALUES");
    const bool legacy = kind != nullptr && std::string(kind) == "plain-pkcs1";
    const ValueEncryptor enc(*key.certificate.load_subject_public_key(), key.facts.thumbprint_sha1,
                             Transformation::parse(legacy ? "RSA" : "RSA/ECB/OAEPwithSHA1andMGF1Padding"),
                             legacy ? OutputFormat::plain : OutputFormat::self_contained);
    Botan::AutoSeeded_RNG rng;
    insert_tokens(db, from, rows, [&](const std::string& plain) { return enc.encrypt(as_bytes(plain), rng); });
}

int gen_db(int argc, char** argv) {
    if (argc != 7 && argc != 11) {
        std::fprintf(stderr, "usage: ksc_bench gen-db DB ROWS KEYSTORE PASSWORD_FILE ALIAS [T_KEYSTORE T_PWFILE T_ALIAS T_ROWS]\n");
        return 2;
    }
    auto db_owner = new_token_db(argv[2]);
    Database& db = *db_owner;
    const int64_t rows = std::stoll(argv[3]);
    fill(db, argv[4], argv[5], argv[6], 0, rows);
    if (argc == 11) fill(db, argv[7], argv[8], argv[9], rows, std::stoll(argv[10]));
    return 0;
}

int gen_aes_db(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: ksc_bench gen-aes-db DB ROWS KEY_FILE\n");
        return 2;
    }
    AesKeyOptions key_file;
    key_file.file = argv[4];
    const AesKey key = *explicit_aes_key(key_file);
    auto suite = make_aes_suite(key);
    const SealSpec format3 = SealSpec::aes_value(CiphertextFormat::symmetric_carbon);
    auto db = new_token_db(argv[2]);
    insert_tokens(*db, 0, std::stoll(argv[3]), [&](const std::string& plain) { return suite->seal(as_bytes(plain), format3); });
    return 0;
}

int rss(int argc, char** argv) {
    const auto t0 = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        // Only the measurement goes to stdout; the command's own output is not wanted here.
        if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDOUT_FILENO);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto cpu = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    std::printf("%.3f %ld %d %.3f\n", secs, ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128,
                cpu(ru.ru_utime) + cpu(ru.ru_stime));
    (void)argc;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string cmd = argc > 1 ? argv[1] : "";
        if (cmd == "rsa-rate" && argc == 4) return rsa_rate(std::stod(argv[2]), std::stoi(argv[3]));
        if (cmd == "gen-db") return gen_db(argc, argv);
        if (cmd == "gen-aes-db") return gen_aes_db(argc, argv);
        if (cmd == "rss" && argc > 2) return rss(argc, argv);
        std::fprintf(stderr, "usage: ksc_bench rsa-rate SECONDS CPU | gen-db ... | gen-aes-db ... | rss COMMAND...\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ksc_bench: %s\n", e.what());
        return 3;
    }
}
