// The RFC 7292 Appendix B KDF against published vectors and against OpenSSL's PKCS12KDF.
#include "pkcs12_kdf.hpp"
#include "test_support.hpp"

#include "ksc/error.hpp"
#include "ksc/keystore.hpp"
#include "ksc/password.hpp"

#include <botan/hex.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

using namespace ksc;
using namespace ksc::detail;

namespace {

std::string kdf_hex(const std::string& hash, const Password& pw, const std::string& salt_hex,
                    Pkcs12KdfId id, uint32_t iterations, size_t n) {
    const auto out = pkcs12_kdf(hash, pw.pkcs12_bmp(), Botan::hex_decode(salt_hex), id, iterations, n);
    return Botan::hex_encode(out.data(), out.size(), true);
}

// OpenSSL's PKCS12KDF takes the password already BMP-encoded (hexpass).
std::string openssl_kdf_hex(const std::string& digest, const Password& pw, const std::string& salt_hex,
                            int id, uint32_t iterations, size_t n) {
    const auto bmp = pw.pkcs12_bmp();
    std::string out = test::run_output(
        "openssl kdf -keylen " + std::to_string(n) + " -kdfopt digest:" + digest + " -kdfopt hexpass:" +
        Botan::hex_encode(bmp.data(), bmp.size()) + " -kdfopt hexsalt:" + salt_hex + " -kdfopt iter:" +
        std::to_string(iterations) + " -kdfopt id:" + std::to_string(id) + " PKCS12KDF");
    out.erase(std::remove_if(out.begin(), out.end(), [](char c) { return c == ':' || c == '\n'; }), out.end());
    return out;
}

}  // namespace

TEST_CASE("pkcs12_kdf: published SHA-1 vectors (password 'smeg' and 'queeg')") {
    // The vectors used by OpenSSL's and Bouncy Castle's PKCS#12 KDF tests.
    const Password smeg("smeg");
    CHECK(kdf_hex("SHA-1", smeg, "0A58CF64530D823F", Pkcs12KdfId::key, 1, 24) ==
          "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3");
    CHECK(kdf_hex("SHA-1", smeg, "0A58CF64530D823F", Pkcs12KdfId::iv, 1, 8) == "79993DFE048D3B76");
    const Password queeg("queeg");
    CHECK(kdf_hex("SHA-1", queeg, "05DEC959ACFF72F7", Pkcs12KdfId::key, 1000, 24) ==
          "ED2034E36328830FF09DF1E1A07DD357185DAC0D4F9EB3D4");
    CHECK(kdf_hex("SHA-1", queeg, "05DEC959ACFF72F7", Pkcs12KdfId::iv, 1000, 8) == "11DEDAD7758D4860");
}

TEST_CASE("pkcs12_kdf: matches OpenSSL's PKCS12KDF for SHA-1, SHA-256 and SHA-512, all IDs") {
    // Long outputs (several hash blocks) and long passwords/salts (more than one
    // 64-byte block) exercise the I_j = I_j + B + 1 step that short vectors never reach.
    const Password long_pw("a rather long password that is longer than one block, ünïcödé ✓");
    const std::string long_salt = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40";
    struct Case {
        const char* botan;
        const char* openssl;
        Pkcs12KdfId id;
        uint32_t iterations;
        size_t n;
    };
    for (const Case& c : {Case{"SHA-1", "SHA1", Pkcs12KdfId::mac, 2048, 20},
                          Case{"SHA-1", "SHA1", Pkcs12KdfId::key, 3, 100},
                          Case{"SHA-256", "SHA256", Pkcs12KdfId::mac, 2048, 32},
                          Case{"SHA-256", "SHA256", Pkcs12KdfId::key, 7, 90},
                          Case{"SHA-512", "SHA512", Pkcs12KdfId::iv, 5, 200}}) {
        CAPTURE(c.botan);
        CAPTURE(c.n);
        const int id = static_cast<int>(c.id);
        CHECK(kdf_hex(c.botan, long_pw, long_salt, c.id, c.iterations, c.n) ==
              openssl_kdf_hex(c.openssl, long_pw, long_salt, id, c.iterations, c.n));
        CHECK(kdf_hex(c.botan, Password("pw"), "01", c.id, c.iterations, c.n) ==
              openssl_kdf_hex(c.openssl, Password("pw"), "01", id, c.iterations, c.n));
    }
}

TEST_CASE("pkcs12_kdf: iteration counts above the cap are refused before any work") {
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(pkcs12_kdf("SHA-256", Bytes{0, 0}, Bytes(8, 1), Pkcs12KdfId::mac, 6'000'000, 32), Error);
    CHECK_THROWS_AS(pkcs12_kdf("SHA-256", Bytes{0, 0}, Bytes(8, 1), Pkcs12KdfId::mac, 0, 32), Error);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200));
    CHECK_THROWS_AS(pkcs12_kdf("SHA-256", Bytes{0, 0}, Bytes(8, 1), Pkcs12KdfId::mac, 1, 0), Error);
    CHECK(pkcs12_kdf("SHA-256", Bytes{0, 0}, Bytes(8, 1), Pkcs12KdfId::mac, 1, 1).size() == 1);
}
