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
//   ksc_bench rss COMMAND...
//       Runs COMMAND; prints "<seconds> <peak RSS KiB> <exit code> <CPU seconds, user + system>".
#include "ksc/key_selection.hpp"
#include "ksc/database.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>
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
    Botan::PK_Decryptor_EME dec(key, rng, "OAEP(SHA-1)");
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
    auto ins = db.prepare("INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES (?, ?, 'ACTIVE')");
    const int64_t batch = 10000;
    for (int64_t start = 0; start < rows; start += batch) {
        Transaction tx(db);
        for (int64_t i = start; i < std::min(rows, start + batch); ++i) {
            const std::string plain = "access-token-" + std::to_string(from + i);
            ins->bind(1, "tok" + std::to_string(from + i)).bind(2, enc.encrypt(as_bytes(plain), rng));
            ins->step();
            ins->reset();
        }
        tx.commit();
    }
}

int gen_db(int argc, char** argv) {
    if (argc != 7 && argc != 11) {
        std::fprintf(stderr, "usage: ksc_bench gen-db DB ROWS KEYSTORE PASSWORD_FILE ALIAS [T_KEYSTORE T_PWFILE T_ALIAS T_ROWS]\n");
        return 2;
    }
    // The library never creates a database (a typo must not make an empty one): start from an empty file.
    if (FILE* f = std::fopen(argv[2], "wx")) std::fclose(f);
    auto db_owner = open_database(parse_database_address(argv[2]), Database::Mode::read_write);
    Database& db = *db_owner;
    db.exec("CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255) PRIMARY KEY, ACCESS_TOKEN VARCHAR(2048), "
            "TOKEN_STATE VARCHAR(25))");
    const int64_t rows = std::stoll(argv[3]);
    fill(db, argv[4], argv[5], argv[6], 0, rows);
    if (argc == 11) fill(db, argv[7], argv[8], argv[9], rows, std::stoll(argv[10]));
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
        if (cmd == "rss" && argc > 2) return rss(argc, argv);
        std::fprintf(stderr, "usage: ksc_bench rsa-rate SECONDS CPU | gen-db ... | rss COMMAND...\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ksc_bench: %s\n", e.what());
        return 3;
    }
}
