// Certificate facts, checked against what openssl and keytool say about the same files.
#include "ksc/certificate.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace ksc;
using ksc::test::run;
using ksc::test::run_output;
using ksc::test::ScratchDir;

namespace {

// Certificates made once by openssl: a CA, a leaf it signed with a tricky subject and
// every KeyUsage bit, one without KeyUsage, one with a non-critical KeyUsage lacking
// dataEncipherment and a validity past 2049 (GeneralizedTime).
struct CertMaterial {
    ScratchDir dir;
    std::map<std::string, std::filesystem::path> pem;
    std::string printcert;  // keytool -printcert of all of them, in this order
    const std::vector<std::string> order = {"ca", "leaf", "noku", "nodata"};

    CertMaterial() {
        for (const auto& n : order) pem[n] = dir / (n + ".pem");
        const auto cfg = dir / "ext.cnf";
        ksc::test::write(cfg,
                         "[leaf]\nkeyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,"
                         "keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly\n");
        const std::string d = dir.path().string() + "/";
        run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d + "ca.key -out " +
            d + "ca.pem -days 30 -subj '/C=US/ST=CA/L=Mountain View/O=WSO2/CN=Test CA' "
            "-addext keyUsage=critical,keyCertSign,cRLSign");
        run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d + "leaf.key -out " +
            d + "leaf.csr -multivalue-rdn -subj '/C=US/ST=CA/L=Mountain  View/O=Ex \"q\"/OU=Unit+CN=Foo, Inc./emailAddress=a@b.c'");
        run("openssl x509 -req -in " + d + "leaf.csr -CA " + d + "ca.pem -CAkey " + d + "ca.key -CAcreateserial -days 10 -out " +
            d + "leaf.pem -extfile " + cfg.string() + " -extensions leaf");
        run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "noku.key -out " + d + "noku.pem -days 20 -subj "
            "'/CN=localhost/O=WSO2/L=Mountain View/ST=CA/C=US'");
        run("openssl req -x509 -newkey rsa:1024 -nodes -keyout " + d + "nodata.key -out " + d + "nodata.pem -days 36500 "
            "-subj '/CN=nodata' -addext keyUsage=digitalSignature,keyEncipherment");
        std::string all;
        for (const auto& n : order) all += ksc::test::slurp(pem[n]);
        ksc::test::write(dir / "all.pem", all);
        printcert = run_output("keytool -printcert -file " + (dir / "all.pem").string() + " 2>/dev/null");
    }

    Botan::X509_Certificate cert(const std::string& name) const { return Botan::X509_Certificate(pem.at(name).string()); }

    std::string openssl(const std::string& name, const std::string& args) const {
        return run_output("openssl x509 -noout -in " + pem.at(name).string() + " " + args);
    }

    // The n-th (0-based) certificate section of keytool -printcert.
    std::string keytool_section(size_t n) const {
        size_t pos = 0;
        for (size_t i = 0; i <= n; ++i) pos = printcert.find("Owner: ", pos + 1);
        const size_t next = printcert.find("Owner: ", pos + 1);
        return printcert.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    }
};

const CertMaterial& material() {
    static CertMaterial m;
    return m;
}

std::string line_value(const std::string& text, const std::string& label) {
    const size_t at = text.find(label);
    REQUIRE(at != std::string::npos);
    const size_t start = at + label.size();
    return text.substr(start, text.find('\n', start) - start);
}

std::string without_colons(std::string s) {
    std::erase(s, ':');
    return s;
}

// openssl's "2026-11-27 23:36:21Z" -> "2026-11-27T23:36:21Z".
std::string iso(std::string s) {
    if (s.size() > 10 && s[10] == ' ') s[10] = 'T';
    return s;
}

}  // namespace

TEST_CASE("certificate: subject and issuer read exactly as keytool prints Owner and Issuer") {
    const auto& m = material();
    for (size_t i = 0; i < m.order.size(); ++i) {
        INFO("certificate " << m.order[i]);
        const auto f = describe_certificate(m.cert(m.order[i]));
        const std::string section = m.keytool_section(i);
        CHECK(f.subject == line_value(section, "Owner: "));
        CHECK(f.issuer == line_value(section, "Issuer: "));
    }
    const auto leaf = describe_certificate(m.cert("leaf"));
    // Multi-valued RDN, quoting of ',' and '"' and of a double space, reversed RDN order.
    CHECK(leaf.subject ==
          "EMAILADDRESS=a@b.c, OU=Unit + CN=\"Foo, Inc.\", O=\"Ex \\\"q\\\"\", L=\"Mountain  View\", ST=CA, C=US");
    CHECK(leaf.issuer == "CN=Test CA, O=WSO2, L=Mountain View, ST=CA, C=US");
    CHECK(describe_certificate(m.cert("noku")).subject == "C=US, ST=CA, L=Mountain View, O=WSO2, CN=localhost");
}

TEST_CASE("certificate: fingerprints match openssl and keytool") {
    const auto& m = material();
    for (size_t i = 0; i < m.order.size(); ++i) {
        const auto& name = m.order[i];
        INFO("certificate " << name);
        const auto f = describe_certificate(m.cert(name));
        CHECK(f.thumbprint_sha1 == without_colons(line_value(m.openssl(name, "-fingerprint -sha1"), "Fingerprint=")));
        CHECK(f.fingerprint_sha256 == without_colons(line_value(m.openssl(name, "-fingerprint -sha256"), "Fingerprint=")));
        CHECK(f.thumbprint_sha1 == without_colons(line_value(m.keytool_section(i), "SHA1: ")));
        CHECK(f.thumbprint_sha1.size() == 40);
    }
}

TEST_CASE("certificate: validity in UTC ISO-8601, UTCTime and GeneralizedTime") {
    const auto& m = material();
    for (const auto& name : {"leaf", "nodata"}) {
        INFO("certificate " << name);
        const auto f = describe_certificate(m.cert(name));
        CHECK(f.not_before == iso(line_value(m.openssl(name, "-startdate -dateopt iso_8601"), "notBefore=")));
        CHECK(f.not_after == iso(line_value(m.openssl(name, "-enddate -dateopt iso_8601"), "notAfter=")));
        CHECK_FALSE(f.expired());
        CHECK(f.expired(f.not_after_time + std::chrono::seconds(1)));
        CHECK_FALSE(f.expired(f.not_after_time - std::chrono::seconds(1)));
    }
    CHECK(describe_certificate(m.cert("nodata")).not_after.starts_with("21"));  // past 2049
}

TEST_CASE("certificate: key usage presence, criticality, bits and data encipherment") {
    const auto& m = material();
    const auto leaf = describe_certificate(m.cert("leaf"));
    CHECK(leaf.key_usage.present);
    CHECK(leaf.key_usage.critical);
    CHECK(leaf.key_usage.bits == std::vector<std::string>{"digitalSignature", "nonRepudiation", "keyEncipherment",
                                                          "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
                                                          "encipherOnly", "decipherOnly"});
    CHECK(leaf.data_encipherment);

    const auto ca = describe_certificate(m.cert("ca"));
    CHECK(ca.key_usage.critical);
    CHECK(ca.key_usage.bits == std::vector<std::string>{"keyCertSign", "cRLSign"});
    CHECK_FALSE(ca.data_encipherment);

    const auto noku = describe_certificate(m.cert("noku"));
    CHECK_FALSE(noku.key_usage.present);
    CHECK_FALSE(noku.key_usage.critical);
    CHECK(noku.key_usage.bits.empty());
    CHECK(noku.data_encipherment);  // no KeyUsage = no restriction

    const auto nodata = describe_certificate(m.cert("nodata"));
    CHECK(nodata.key_usage.present);
    CHECK_FALSE(nodata.key_usage.critical);
    CHECK(nodata.key_usage.bits == std::vector<std::string>{"digitalSignature", "keyEncipherment"});
    CHECK_FALSE(nodata.data_encipherment);

    // keytool agrees on criticality.
    CHECK(m.keytool_section(1).find("2.5.29.15 Criticality=true") != std::string::npos);
    CHECK(m.keytool_section(3).find("2.5.29.15 Criticality=false") != std::string::npos);
}

TEST_CASE("certificate: key algorithm and size") {
    const auto& m = material();
    const auto leaf = describe_certificate(m.cert("leaf"));
    CHECK(leaf.key_algorithm == "EC");
    CHECK(leaf.key_bits == 256);
    const auto noku = describe_certificate(m.cert("noku"));
    CHECK(noku.key_algorithm == "RSA");
    CHECK(noku.key_bits == 2048);
    CHECK(describe_certificate(m.cert("nodata")).key_bits == 1024);
    // keytool says the same.
    CHECK(m.keytool_section(1).find("256-bit EC") != std::string::npos);
    CHECK(m.keytool_section(2).find("2048-bit RSA key") != std::string::npos);
}
