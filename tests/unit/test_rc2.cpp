// RC2 against the RFC 2268 section 5 vectors and against OpenSSL's legacy provider.
#include "rc2.hpp"
#include "test_support.hpp"

#include "ksc/error.hpp"

#include <botan/hex.h>
#include <doctest/doctest.h>

using namespace ksc;
using namespace ksc::detail;

namespace {

std::string decrypt_hex(const std::string& key, size_t bits, const std::string& ciphertext) {
    const auto k = Botan::hex_decode(key);
    const auto c = Botan::hex_decode(ciphertext);
    uint8_t out[8];
    Rc2Decryptor(k, bits).decrypt_block(c.data(), out);
    return Botan::hex_encode(out, 8, false);
}

}  // namespace

TEST_CASE("rc2: RFC 2268 vectors decrypt to their plaintexts") {
    // key, effective bits, plaintext, ciphertext (RFC 2268 section 5)
    CHECK(decrypt_hex("0000000000000000", 63, "ebb773f993278eff") == "0000000000000000");
    CHECK(decrypt_hex("ffffffffffffffff", 64, "278b27e42e2f0d49") == "ffffffffffffffff");
    CHECK(decrypt_hex("3000000000000000", 64, "30649edf9be7d2c2") == "1000000000000001");
    CHECK(decrypt_hex("88", 64, "61a8a244adacccf0") == "0000000000000000");
    CHECK(decrypt_hex("88bca90e90875a", 64, "6ccf4308974c267f") == "0000000000000000");
    CHECK(decrypt_hex("88bca90e90875a7f0f79c384627bafb2", 64, "1a807d272bbe5db1") == "0000000000000000");
    CHECK(decrypt_hex("88bca90e90875a7f0f79c384627bafb2", 128, "2269552ab0f85ca6") == "0000000000000000");
}

TEST_CASE("rc2: CBC decryption matches OpenSSL rc2-40-cbc and rc2-cbc") {
    test::ScratchDir dir;
    const std::string plain = "RC2 protects legacy PKCS#12 certificate bags. 48";  // 48 bytes
    test::write(dir / "plain.bin", plain);
    const std::string iv = "0123456789abcdef";
    struct Case {
        const char* cipher;
        const char* key;
        size_t bits;
    };
    for (const Case& c : {Case{"rc2-40-cbc", "0a1b2c3d4e", 40},
                          Case{"rc2-cbc", "00112233445566778899aabbccddeeff", 128}}) {
        CAPTURE(c.cipher);
        test::run("openssl enc -provider legacy -provider default -" + std::string(c.cipher) +
                  " -nopad -K " + c.key + " -iv " + iv + " -in " + (dir / "plain.bin").string() +
                  " -out " + (dir / "ct.bin").string());
        const std::string ct = test::slurp(dir / "ct.bin");
        REQUIRE(ct.size() == plain.size());
        const SecureBytes out = rc2_cbc_decrypt(Botan::hex_decode(c.key), c.bits, Botan::hex_decode(iv), as_bytes(ct));
        CHECK(std::string(out.begin(), out.end()) == plain);
    }
}

TEST_CASE("rc2: bad parameters are input errors") {
    const Bytes key(5, 1), iv(8, 0), ct(8, 0);
    CHECK_THROWS_AS(Rc2Decryptor(ByteView{}, 40), Error);
    CHECK_THROWS_AS(Rc2Decryptor(Bytes(129, 1), 40), Error);
    CHECK_THROWS_AS(Rc2Decryptor(key, 0), Error);
    CHECK_THROWS_AS(Rc2Decryptor(key, 1025), Error);
    CHECK_THROWS_AS(rc2_cbc_decrypt(key, 40, Bytes(7, 0), ct), Error);
    CHECK_THROWS_AS(rc2_cbc_decrypt(key, 40, iv, Bytes(9, 0)), Error);
    CHECK_THROWS_AS(rc2_cbc_decrypt(key, 40, iv, Bytes{}), Error);
}
