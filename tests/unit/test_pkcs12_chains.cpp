// PKCS#12 certificate chains built as Java's PKCS12KeyStore builds them when no localKeyId
// links the certificates: the leaf by alias, then issuers by name, a matching key
// identifier deciding between two CAs of the same name, stopping at a self-signed
// certificate. The files are assembled here (no MAC, no localKeyId anywhere, the key
// encrypted by openssl pkcs8) because no tool writes them so; keytool reads the same file.
#include "ksc/certificate.hpp"
#include "ksc/keystore.hpp"
#include "test_support.hpp"

#include <botan/der_enc.h>
#include <botan/oids.h>
#include <doctest/doctest.h>

#include <regex>

using namespace ksc;

namespace {

const std::string pw = "passwd12#";

Bytes explicit0(const Bytes& inner) {
    Bytes out;
    Botan::DER_Encoder(out).add_object(Botan::ASN1_Tag(0), Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED),
                                       inner.data(), inner.size());
    return out;
}

Bytes octet_string(const Bytes& content) {
    Bytes out;
    Botan::DER_Encoder(out).encode(content.data(), content.size(), Botan::OCTET_STRING);
    return out;
}

Bytes sequence(const std::vector<Bytes>& items) {
    Bytes body;
    for (const auto& i : items) body.insert(body.end(), i.begin(), i.end());
    Bytes out;
    Botan::DER_Encoder(out).add_object(Botan::SEQUENCE, Botan::CONSTRUCTED, body.data(), body.size());
    return out;
}

Bytes oid(const char* dotted) {
    Bytes out;
    Botan::DER_Encoder(out).encode(Botan::OID(dotted));
    return out;
}

// SafeBag { bagId, [0] value, attributes: friendlyName only (never a localKeyId) }.
Bytes bag(const char* bag_oid, const Bytes& value, const std::string& friendly_name = {}) {
    std::vector<Bytes> items{oid(bag_oid), explicit0(value)};
    if (!friendly_name.empty()) {
        Bytes bmp;  // BMPString: UTF-16BE (ASCII names here)
        for (char c : friendly_name) bmp.insert(bmp.end(), {0, static_cast<uint8_t>(c)});
        Bytes attrs;
        Botan::DER_Encoder(attrs)
            .start_cons(Botan::SET)
            .start_cons(Botan::SEQUENCE)
            .encode(Botan::OID("1.2.840.113549.1.9.20"))
            .start_cons(Botan::SET)
            .add_object(Botan::BMP_STRING, Botan::UNIVERSAL, bmp.data(), bmp.size())
            .end_cons()
            .end_cons()
            .end_cons();
        items.push_back(attrs);
    }
    return sequence(items);
}

Bytes cert_bag(const Bytes& der, const std::string& friendly_name = {}) {
    return bag("1.2.840.113549.1.12.10.1.3",
               sequence({oid("1.2.840.113549.1.9.22.1"), explicit0(octet_string(der))}), friendly_name);
}

// PFX { 3, data { AuthenticatedSafe { data { SafeContents } } } }, no MacData.
Bytes pfx(const std::vector<Bytes>& bags) {
    const Bytes safe_contents = sequence(bags);
    const Bytes auth_safe = sequence({sequence({oid("1.2.840.113549.1.7.1"), explicit0(octet_string(safe_contents))})});
    Bytes version;
    Botan::DER_Encoder(version).encode(size_t(3));
    return sequence({version, sequence({oid("1.2.840.113549.1.7.1"), explicit0(octet_string(auth_safe))})});
}

struct Material {
    test::ScratchDir dir;
    std::string p(const std::string& name) const { return std::string("'").append((dir / name).string()).append("'"); }
    Bytes bytes(const std::string& name) const { return read_file(dir / name); }

    Material() {
        test::write(dir / "ca.ext", "basicConstraints=critical,CA:true\nsubjectKeyIdentifier=hash\n");
        test::write(dir / "leaf.ext", "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        // Two CAs of one name (a re-keyed CA); the leaf is signed by the second.
        for (const char* ca : {"ca1", "ca2"})
            test::run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + p(std::string(ca) + ".key") + " -out " +
                      p(std::string(ca) + ".pem") + " -subj '/O=Test/CN=Same Name CA' -days 3650 -addext " +
                      "basicConstraints=critical,CA:true -addext subjectKeyIdentifier=hash");
        test::run("openssl req -newkey rsa:2048 -nodes -keyout " + p("leaf.key") + " -out " + p("leaf.csr") +
                  " -subj /CN=leaf");
        test::run("openssl x509 -req -in " + p("leaf.csr") + " -CA " + p("ca2.pem") + " -CAkey " + p("ca2.key") +
                  " -CAcreateserial -days 3650 -extfile " + p("leaf.ext") + " -outform DER -out " + p("leaf.der"));
        for (const char* ca : {"ca1", "ca2"})
            test::run("openssl x509 -in " + p(std::string(ca) + ".pem") + " -outform DER -out " + p(std::string(ca) + ".der"));
        test::run("openssl pkcs8 -topk8 -in " + p("leaf.key") + " -v2 aes-256-cbc -v2prf hmacWithSHA256 -passout 'pass:" +
                  pw + "' -outform DER -out " + p("leaf.epki"));
        const Bytes key_bag = bag("1.2.840.113549.1.12.10.1.2", bytes("leaf.epki"), "leaf");
        // Key first (so the certificates get no default id), then the CAs, then the leaf.
        const Bytes file = pfx({key_bag, cert_bag(bytes("ca1.der")), cert_bag(bytes("ca2.der")),
                                cert_bag(bytes("leaf.der"), "leaf")});
        test::write(dir / "nolinks.p12", std::string(file.begin(), file.end()));
    }
};

const Material& material() {
    static const Material m;
    return m;
}

// keytool's SHA-256 fingerprints of the chain, in order, without colons.
std::vector<std::string> keytool_chain(const Material& m, const std::string& file) {
    const std::string out = test::run_output("keytool -list -v -storetype PKCS12 -keystore " + m.p(file) +
                                             " -storepass '" + pw + "'");
    std::vector<std::string> fps;
    const std::regex re("SHA256: ([0-9A-F:]+)");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator(); ++it) {
        std::string fp = (*it)[1];
        fp.erase(std::remove(fp.begin(), fp.end(), ':'), fp.end());
        fps.push_back(fp);
    }
    return fps;
}

}  // namespace

TEST_CASE("pkcs12 chains: without localKeyId the leaf is found by alias and its issuer by name and key identifier, as keytool") {
    const auto& m = material();
    const std::vector<std::string> theirs = keytool_chain(m, "nolinks.p12");
    REQUIRE(theirs.size() == 2);  // leaf, ca2 (ca1 has the same name but not the key that signed)

    const Keystore ks = Keystore::load(m.dir / "nolinks.p12", Password(pw));
    REQUIRE(ks.entries().size() == 1);
    const KeystoreEntry& e = ks.entries()[0];
    CHECK(e.alias == "leaf");
    REQUIRE(e.chain.size() == theirs.size());
    for (size_t i = 0; i < theirs.size(); ++i) CHECK(describe_certificate(e.chain[i]).fingerprint_sha256 == theirs[i]);
    CHECK(e.chain[1].der() == m.bytes("ca2.der"));
    // ca1 belongs to no key and is not a trusted entry: Java does not list it.
    REQUIRE(ks.warnings().size() == 1);
    CHECK(ks.warnings()[0].find("1 certificate(s) belong to no key") != std::string::npos);
}

TEST_CASE("pkcs12 chains: a key whose certificate shares neither id nor alias has no certificate, as in keytool") {
    const auto& m = material();
    // The same bags, the leaf certificate under another name: Java pairs by id or alias only.
    const Bytes file = pfx({bag("1.2.840.113549.1.12.10.1.2", m.bytes("leaf.epki"), "leaf"),
                            cert_bag(m.bytes("leaf.der"), "other")});
    test::write(m.dir / "unpaired.p12", std::string(file.begin(), file.end()));
    CHECK(keytool_chain(m, "unpaired.p12").empty());
    CHECK(test::run_output("keytool -list -v -storetype PKCS12 -keystore " + m.p("unpaired.p12") + " -storepass '" + pw +
                           "'")
              .find("Certificate chain length: 0") != std::string::npos);
    const Keystore ks = Keystore::load(m.dir / "unpaired.p12", Password(pw));
    REQUIRE(ks.entries().size() == 1);
    CHECK(ks.entries()[0].kind == EntryKind::private_key);
    CHECK(ks.entries()[0].chain.empty());
}
