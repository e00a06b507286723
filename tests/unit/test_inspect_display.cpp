// What inspect shows for entries keytool shows in its own way: a private key stored without
// a certificate (its algorithm and size, from the key), a DSA certificate whose parameters
// are inherited from the issuer ("DSA key of unknown size", never "0 bits"), and aliases and
// names holding control characters (escaped, never sent raw to the terminal).
#include "ksc/certificate.hpp"
#include "ksc/inspect_report.hpp"
#include "ksc/keystore.hpp"
#include "test_support.hpp"

#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/x509self.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <regex>

using namespace ksc;

namespace {

const std::string pw = "passwd12#";

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// A DER item: where its contents start and how long they are.
struct Tlv {
    size_t content = 0, length = 0;
    size_t end() const { return content + length; }
};

Tlv tlv(const Bytes& b, size_t i) {
    size_t len = b.at(i + 1), j = i + 2;
    if (len & 0x80) {
        const size_t n = len & 0x7F;
        len = 0;
        for (size_t k = 0; k < n; ++k) len = (len << 8) | b.at(j++);
    }
    return {j, len};
}

Bytes der(uint8_t tag, const Bytes& content) {
    Bytes out{tag};
    const size_t n = content.size();
    if (n < 0x80) {
        out.push_back(static_cast<uint8_t>(n));
    } else {
        Bytes len;
        for (size_t v = n; v; v >>= 8) len.insert(len.begin(), static_cast<uint8_t>(v));
        out.push_back(static_cast<uint8_t>(0x80 | len.size()));
        out.insert(out.end(), len.begin(), len.end());
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

// The certificate with its SubjectPublicKeyInfo's algorithm parameters removed, as a CA
// issues DSA certificates whose parameters are inherited (RFC 3279 2.3.2). The signature no
// longer verifies; keytool -list does not check it.
Bytes without_key_parameters(const Bytes& cert) {
    const Tlv c = tlv(cert, 0), tbs = tlv(cert, c.content);
    std::vector<Bytes> items;
    for (size_t i = tbs.content; i < tbs.end();) {
        const Tlv t = tlv(cert, i);
        items.emplace_back(cert.begin() + static_cast<long>(i), cert.begin() + static_cast<long>(t.end()));
        i = t.end();
    }
    Bytes& spki = items.at(6);  // version, serial, signature, issuer, validity, subject, SPKI
    const Tlv s = tlv(spki, 0), alg = tlv(spki, s.content), oid = tlv(spki, alg.content);
    // SEQUENCE { SEQUENCE { OID } , BIT STRING }: the algorithm without its parameters.
    Bytes new_spki = der(0x30, Bytes(spki.begin() + static_cast<long>(alg.content), spki.begin() + static_cast<long>(oid.end())));
    new_spki.insert(new_spki.end(), spki.begin() + static_cast<long>(alg.end()), spki.end());
    spki = der(0x30, new_spki);
    Bytes new_tbs;
    for (const auto& item : items) new_tbs.insert(new_tbs.end(), item.begin(), item.end());
    Bytes body = der(0x30, new_tbs);
    body.insert(body.end(), cert.begin() + static_cast<long>(tbs.end()), cert.begin() + static_cast<long>(c.end()));
    return der(0x30, body);
}

void put16(Bytes& b, size_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void put_text(Bytes& b, const std::string& s) {  // plain UTF-8 is modified UTF-8 without NUL and astral characters
    put16(b, s.size());
    b.insert(b.end(), s.begin(), s.end());
}

// A JKS with one private-key entry: the JKS-protected key and the given chain.
Bytes jks_with_key(const std::string& alias, const Bytes& protected_key, const std::vector<Bytes>& chain) {
    Bytes b;
    test::put32(b, 0xFEEDFEED);
    test::put32(b, 2);
    test::put32(b, 1);
    test::put32(b, 1);  // private key entry
    put_text(b, alias);
    test::put32(b, 0);
    test::put32(b, 0);  // creation time
    test::put32(b, static_cast<uint32_t>(protected_key.size()));
    b.insert(b.end(), protected_key.begin(), protected_key.end());
    test::put32(b, static_cast<uint32_t>(chain.size()));
    for (const auto& cert : chain) {
        put_text(b, "X.509");
        test::put32(b, static_cast<uint32_t>(cert.size()));
        b.insert(b.end(), cert.begin(), cert.end());
    }
    return test::seal_jks(b, pw);
}

struct Material {
    test::ScratchDir dir;
    std::string p(const std::string& name) const { return std::string("'").append((dir / name).string()).append("'"); }
    std::string keytool_list(const std::string& name) const {
        return test::run_output("keytool -list -v -keystore " + p(name) + " -storepass '" + pw + "' 2>&1");
    }
    Bytes dsa_key, dsa_cert;  // keytool's JKS-protected DSA key and its certificate

    Material() {
        test::run("keytool -genkeypair -storetype JKS -keystore " + p("dsa.jks") + " -storepass '" + pw + "' -keypass '" +
                  pw + "' -alias dsa -keyalg DSA -keysize 2048 -dname CN=dsa");
        const Keystore ks = Keystore::load(dir / "dsa.jks", Password(pw));
        dsa_key = ks.entries().at(0).protected_key;
        dsa_cert = ks.entries().at(0).chain.at(0).der();
        for (const char* alg : {"RSA -pkeyopt rsa_keygen_bits:3072", "EC -pkeyopt ec_paramgen_curve:P-384"}) {
            const std::string name = std::string(alg).substr(0, 2) == "EC" ? "ec" : "rsa";
            test::run("openssl genpkey -algorithm " + std::string(alg) + " -out " + p(name + ".pem"));
            test::run("openssl pkcs12 -export -nocerts -inkey " + p(name + ".pem") + " -name " + name +
                      "-nocert -passout 'pass:" + pw + "' -out " + p(name + "-nocert.p12"));
        }
    }
};

const Material& material() {
    static const Material m;
    return m;
}

}  // namespace

TEST_CASE("inspect display: a PKCS#12 private key without a certificate shows the key's algorithm and size") {
    const auto& m = material();
    for (const auto& [name, alg, bits] : {std::tuple<std::string, std::string, size_t>{"rsa", "RSA", 3072},
                                          std::tuple<std::string, std::string, size_t>{"ec", "EC", 384}}) {
        CAPTURE(name);
        // keytool lists it as a private-key entry with no chain; openssl gives the size.
        const std::string kt = m.keytool_list(name + "-nocert.p12");
        CHECK(contains(kt, "Entry type: PrivateKeyEntry"));
        CHECK(contains(kt, "Certificate chain length: 0"));
        CHECK(contains(test::run_output("openssl pkey -noout -text -in " + m.p(name + ".pem")),
                       "Private-Key: (" + std::to_string(bits) + " bit"));

        const Keystore ks = Keystore::load(m.dir / (name + "-nocert.p12"), Password(pw));
        const auto j = inspect_json(ks, "x.p12");
        REQUIRE(j["entries"].size() == 1);
        const auto& e = j["entries"][0];
        CHECK(e["kind"] == "private_key");
        CHECK(e["certificate"].is_null());
        CHECK(e["key_algorithm"] == alg);
        CHECK(e["key_bits"] == bits);
        const std::string text = inspect_text(ks, "x.p12");
        CHECK(contains(text, "  key:          " + alg + " " + std::to_string(bits) + " bits\n"));
        CHECK(contains(text, "certificate:  none stored with this key"));
    }
}

TEST_CASE("inspect display: a JKS private key without a certificate is opened with the key password to show it") {
    const auto& m = material();
    test::write(m.dir / "nocert.jks", [&] {
        const Bytes b = jks_with_key("nocert", m.dsa_key, {});
        return std::string(b.begin(), b.end());
    }());
    const Keystore ks = Keystore::load(m.dir / "nocert.jks", Password(pw));
    InspectOptions o;
    o.key_password = Password(pw);
    const auto j = inspect_json(ks, "nocert.jks", o);
    CHECK(j["entries"][0]["key_algorithm"] == "DSA");
    CHECK(j["entries"][0]["key_bits"] == 2048);
    CHECK(contains(inspect_text(ks, "nocert.jks", o), "  key:          DSA 2048 bits\n"));
    o.key_password = Password("wrong");
    CHECK(contains(inspect_json(ks, "nocert.jks", o)["entries"][0]["key_problem"].get<std::string>(), "cannot be opened"));
    CHECK(inspect_json(ks, "nocert.jks")["entries"][0].contains("key_problem"));  // no key password given
}

TEST_CASE("inspect display: a DSA certificate with inherited parameters is 'DSA key of unknown size', as keytool says") {
    const auto& m = material();
    const Bytes cert = without_key_parameters(m.dsa_cert);
    test::write(m.dir / "inherit.jks", [&] {
        const Bytes b = jks_with_key("inherit", m.dsa_key, {cert});
        return std::string(b.begin(), b.end());
    }());
    CHECK(contains(m.keytool_list("inherit.jks"), "Subject Public Key Algorithm: DSA key of unknown size"));

    const Keystore ks = Keystore::load(m.dir / "inherit.jks", Password(pw));
    const CertificateFacts f = describe_certificate(ks.entries().at(0).chain.at(0));
    CHECK(f.key_algorithm == "DSA");
    CHECK(f.key_bits == 0);
    const auto j = inspect_json(ks, "inherit.jks");
    CHECK(j["entries"][0]["key_algorithm"] == "DSA");
    CHECK(j["entries"][0]["key_bits"].is_null());  // unknown, not 0
    const std::string text = inspect_text(ks, "inherit.jks");
    CHECK(contains(text, "  key:          DSA key of unknown size\n"));
    CHECK_FALSE(contains(text, "0 bits"));
}

TEST_CASE("inspect display: control characters in aliases and names are escaped in text output") {
    const auto& m = material();
    Botan::AutoSeeded_RNG rng;
    const Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group("secp256r1"));
    Botan::X509_Cert_Options opts;
    opts.common_name = "bell\x07" "esc\x1b[31m" "csi\xc2\x9b" "del\x7f";
    opts.organization = "tab\there";
    const Bytes cert = Botan::X509::create_self_signed_cert(opts, key, "SHA-256", rng).BER_encode();
    const std::string alias = "evil\x1b]0;title\x07";
    test::write(m.dir / "ctrl.jks", [&] {
        const Bytes b = jks_with_key(alias, m.dsa_key, {cert});
        return std::string(b.begin(), b.end());
    }());
    // The same names as a trusted entry, listed on one line.
    Bytes trusted;
    test::put32(trusted, 0xFEEDFEED);
    test::put32(trusted, 2);
    test::put32(trusted, 1);
    test::put32(trusted, 2);
    put_text(trusted, alias);
    test::put32(trusted, 0);
    test::put32(trusted, 0);
    put_text(trusted, "X.509");
    test::put32(trusted, static_cast<uint32_t>(cert.size()));
    trusted.insert(trusted.end(), cert.begin(), cert.end());
    const Bytes sealed = test::seal_jks(trusted, pw);

    for (const Keystore& ks : {Keystore::load(m.dir / "ctrl.jks", Password(pw)),
                               Keystore::parse(sealed, Password(pw), std::nullopt, "file\x1b[2J.jks")}) {
        const std::string text = inspect_text(ks, ks.name());
        CAPTURE(text);
        for (char c : text) {
            const auto u = static_cast<unsigned char>(c);
            const bool shown = (u >= 0x20 && u != 0x7F) || c == '\n';
            CHECK_MESSAGE(shown, "raw control character " << int(u));
        }
        CHECK(contains(text, "evil\\x1B]0;title\\x07"));
        CHECK(contains(text, "bell\\x07esc\\x1B[31mcsi\\u009Bdel\\x7F"));
        CHECK(contains(text, "tab\\x09here"));
        CHECK_FALSE(contains(text, "\xc2\x9b"));
    }
    CHECK(contains(inspect_text(Keystore::parse(sealed, Password(pw), std::nullopt, "file\x1b[2J.jks"), "file\x1b[2J.jks"),
                   "file\\x1B[2J.jks"));
}
