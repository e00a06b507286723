// decrypt_value on its own: how a plain value's padding is found, textbook RSA on request,
// and what the error says about a self-contained value that does not open.
#include "ksc/error.hpp"
#include "ksc/value_crypto.hpp"

#include "test_support.hpp"

#include <botan/auto_rng.h>
#include <botan/rsa.h>
#include <doctest/doctest.h>

#include <string>

using namespace ksc;

namespace {

using test::RsaKeys;
RsaKeys& keys() { return test::rsa_keys(); }

const Bytes secret = {'p', '4', 's', 's'};

std::string as_text(const SecureBytes& b) { return std::string(b.begin(), b.end()); }

// The error decrypt_value throws, as message and hint.
Error error_of(const std::string& value, const PlainDecryption& plain, const KeyIdentity* who = nullptr) {
    auto& k = keys();
    try {
        decrypt_value(k.a, value, plain, "the ciphertext", k.rng, who);
    } catch (const Error& e) {
        return e;
    }
    FAIL("decrypted");
    return Error(ErrorKind::input, "");
}

}  // namespace

TEST_CASE("value: a plain value without a transformation is tried with OAEP-SHA1, OAEP-SHA256 and PKCS#1") {
    auto& k = keys();
    for (const char* name : {"RSA", "RSA/ECB/OAEPwithSHA1andMGF1Padding", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"}) {
        CAPTURE(name);
        const std::string value = write_plain(RsaEncryptor(k.a, Transformation::parse(name)).encrypt(secret, k.rng));
        CHECK(as_text(decrypt_value(k.a, value, PlainDecryption::parse(std::nullopt), "v", k.rng)) == "p4ss");
        CHECK(as_text(decrypt_value(k.a, value, PlainDecryption::parse(std::string()), "v", k.rng)) == "p4ss");
        // Named, it is that transformation only (the old behaviour, kept).
        CHECK(as_text(decrypt_value(k.a, value, Transformation::parse(name), "v", k.rng)) == "p4ss");
    }
    const std::string oaep =
        write_plain(RsaEncryptor(k.a, Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding")).encrypt(secret, k.rng));
    const Error e = error_of(oaep, PlainDecryption::parse(std::string("RSA/ECB/OAEPWithSHA-256AndMGF1Padding")));
    CHECK(e.kind() == ErrorKind::input);
    // Under another key no padding checks (OAEP never by chance).
    const std::string other = write_plain(
        RsaEncryptor(k.b, Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding")).encrypt(secret, k.rng));
    CHECK(std::string(error_of(other, {}).what()).find("does not decrypt") != std::string::npos);
}

TEST_CASE("value: textbook RSA only when asked for, its plaintext without the leading zeros") {
    auto& k = keys();
    Botan::PK_Encryptor_EME raw(k.a, k.rng, "Raw");
    const std::string value = write_plain(raw.encrypt(secret, k.rng));
    for (const char* name : {"RSA/ECB/NoPadding", "RSA/NONE/NoPadding"}) {
        const PlainDecryption p = PlainDecryption::parse(std::string(name));
        CHECK(p.kind == PlainDecryption::Kind::textbook);
        CHECK(as_text(decrypt_value(k.a, value, p, "v", k.rng)) == "p4ss");
    }
    const Error e = error_of(value, {});
    CHECK(e.kind() == ErrorKind::input);
    CHECK(e.hint().find("RSA/ECB/NoPadding") != std::string::npos);
}

TEST_CASE("value: a self-contained value that does not open names its certificate and the alias that has it") {
    auto& k = keys();
    const Transformation t = Transformation::parse("RSA/ECB/OAEPwithSHA1andMGF1Padding");
    const std::string tp_b = "0123456789ABCDEF0123456789ABCDEF01234567";
    const std::string for_b = write_self_contained(RsaEncryptor(k.b, t).encrypt(secret, k.rng), t.name, tp_b);

    std::string asked;
    KeyIdentity who{"FEDCBA9876543210FEDCBA9876543210FEDCBA98", "ks.p12", "mine",
                    [&](std::string_view tp) -> std::optional<std::string> {
                        asked = std::string(tp);
                        return std::string("other");
                    }};
    Error e = error_of(for_b, {}, &who);
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()).find(tp_b) != std::string::npos);
    CHECK(e.hint().find("alias 'other'") != std::string::npos);
    CHECK(std::string(e.what()).find("not for alias 'mine'") != std::string::npos);
    CHECK(asked == tp_b);

    who.alias_with_thumbprint = [](std::string_view) { return std::optional<std::string>(); };
    e = error_of(for_b, {}, &who);
    CHECK(std::string(e.what()).find(tp_b) != std::string::npos);
    CHECK(e.hint().find("no entry of ks.p12") != std::string::npos);

    // Made for this very certificate yet not opening: damage, said so.
    who.thumbprint_sha1 = tp_b;
    e = error_of(for_b, {}, &who);
    CHECK(std::string(e.what()).find("this key's certificate") != std::string::npos);

    // Without an identity the thumbprint is still named.
    CHECK(std::string(error_of(for_b, {}).what()).find(tp_b) != std::string::npos);
    // A thumbprint field that is not one is not echoed.
    const std::string odd = write_self_contained(RsaEncryptor(k.b, t).encrypt(secret, k.rng), t.name, "<b>x</b>");
    CHECK(std::string(error_of(odd, {}).what()).find("<b>") == std::string::npos);
}
