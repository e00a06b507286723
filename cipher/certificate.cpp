// Certificate facts for inspect/check and the key-usage refusal. Names are printed
// the way keytool -list -v prints "Owner:"/"Issuer:" (sun.security.x509.X500Name's
// toString) so users can match our output against what they already see.
#include "ksc/certificate.hpp"

#include <botan/asn1_str.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pk_keys.h>
#include <botan/x509_ext.h>

#include <map>
#include <string_view>

namespace ksc {

namespace {

// Java's AVAKeyword table (the keyword Java prints for each attribute OID).
const std::map<std::string, std::string>& java_keywords() {
    static const std::map<std::string, std::string> table = {
        {"2.5.4.3", "CN"},
        {"2.5.4.6", "C"},
        {"2.5.4.7", "L"},
        {"2.5.4.8", "ST"},
        {"2.5.4.10", "O"},
        {"2.5.4.11", "OU"},
        {"2.5.4.12", "T"},
        {"2.5.4.9", "STREET"},
        {"0.9.2342.19200300.100.1.25", "DC"},
        {"2.5.4.46", "DNQUALIFIER"},
        {"2.5.4.4", "SURNAME"},
        {"2.5.4.42", "GIVENNAME"},
        {"2.5.4.43", "INITIALS"},
        {"2.5.4.44", "GENERATION"},
        {"1.2.840.113549.1.9.1", "EMAILADDRESS"},
        {"0.9.2342.19200300.100.1.1", "UID"},
        {"2.5.4.5", "SERIALNUMBER"},
        {"1.3.6.1.4.1.42.2.11.2.1", "IP"},
    };
    return table;
}

bool is_printable_string_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
}

// Java's AVA.toKeywordValueString: the whole value goes in double quotes when it
// holds a special character, starts or ends with a space, or has two spaces in a row;
// '"' and '\' are backslash-escaped.
std::string java_quote_value(const std::string& v) {
    static constexpr std::string_view escapees = ",+=\n<>#;\\\"";
    const bool already_quoted = v.size() > 1 && v.front() == '"' && v.back() == '"';
    bool quote = false, previous_white = false;
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (already_quoted && (i == 0 || i == v.size() - 1)) {
            out.push_back(c);
            continue;
        }
        const bool escapee = escapees.find(c) != std::string_view::npos;
        if (is_printable_string_char(c) || escapee) {
            if ((i == 0 && (c == ' ' || c == '\n')) || escapee) quote = true;
            if (c != ' ' && c != '\n') {
                if (c == '"' || c == '\\') out.push_back('\\');
                previous_white = false;
            } else {
                if (previous_white) quote = true;
                previous_white = true;
            }
        } else {
            previous_white = false;
        }
        out.push_back(c);
    }
    if (!out.empty() && (out.back() == ' ' || out.back() == '\n')) quote = true;
    return !already_quoted && quote ? "\"" + out + "\"" : out;
}

std::string attribute_value(const Botan::BER_Object& obj) {
    std::vector<uint8_t> der;
    Botan::DER_Encoder(der).add_object(obj.type(), obj.get_class(), obj.bits(), obj.length());
    try {
        Botan::ASN1_String s;
        Botan::BER_Decoder(der).decode(s);
        return java_quote_value(s.value());
    } catch (const Botan::Exception&) {
        // Not a string type: Java prints '#' and the hex of the DER value.
        return "#" + Botan::hex_encode(der, false);
    }
}

// X500Name.toString: RDNs from the last encoded to the first, ", " between them;
// the attributes of a multi-valued RDN in encoded order with " + " between them.
std::string java_dn_string(const std::vector<uint8_t>& raw_dn) {
    std::vector<std::string> rdns;
    try {
        Botan::BER_Decoder dn(raw_dn);
        Botan::BER_Decoder seq = dn.start_cons(Botan::SEQUENCE);
        while (seq.more_items()) {
            Botan::BER_Decoder set = seq.start_cons(Botan::SET);
            std::string rdn;
            while (set.more_items()) {
                Botan::OID oid;
                Botan::BER_Decoder ava = set.start_cons(Botan::SEQUENCE);
                ava.decode(oid);
                const Botan::BER_Object value = ava.get_next_object();
                ava.end_cons();
                const auto& kw = java_keywords();
                const auto it = kw.find(oid.to_string());
                if (!rdn.empty()) rdn += " + ";
                rdn += (it != kw.end() ? it->second : "OID." + oid.to_string()) + "=" + attribute_value(value);
            }
            set.end_cons();
            rdns.push_back(std::move(rdn));
        }
        seq.end_cons();
    } catch (const Botan::Exception&) {
        return "(unreadable name)";
    }
    std::string out;
    for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) {
        if (!out.empty()) out += ", ";
        out += *it;
    }
    return out;
}

// "2026/03/04 08:00:24 UTC" (Botan's readable form) -> "2026-03-04T08:00:24Z".
std::string iso_8601(const Botan::X509_Time& t) {
    std::string s = t.readable_string();
    if (s.size() != 23 || s.substr(19) != " UTC") return s;
    s[4] = '-';
    s[7] = '-';
    s[10] = 'T';
    return s.substr(0, 19) + "Z";
}

std::string upper_hex_digest(const char* algo, const std::vector<uint8_t>& der) {
    auto h = Botan::HashFunction::create_or_throw(algo);
    return Botan::hex_encode(h->process(der), true);
}

KeyUsageFacts key_usage_facts(const Botan::X509_Certificate& cert) {
    KeyUsageFacts ku;
    const Botan::OID oid = Botan::OID::from_string("X509v3.KeyUsage");
    ku.present = cert.v3_extensions().extension_set(oid);
    if (!ku.present) return ku;
    ku.critical = cert.v3_extensions().critical_extension_set(oid);
    static const std::pair<Botan::Key_Constraints, const char*> names[] = {
        {Botan::DIGITAL_SIGNATURE, "digitalSignature"}, {Botan::NON_REPUDIATION, "nonRepudiation"},
        {Botan::KEY_ENCIPHERMENT, "keyEncipherment"},   {Botan::DATA_ENCIPHERMENT, "dataEncipherment"},
        {Botan::KEY_AGREEMENT, "keyAgreement"},         {Botan::KEY_CERT_SIGN, "keyCertSign"},
        {Botan::CRL_SIGN, "cRLSign"},                   {Botan::ENCIPHER_ONLY, "encipherOnly"},
        {Botan::DECIPHER_ONLY, "decipherOnly"},
    };
    const Botan::Key_Constraints bits = cert.constraints();
    for (const auto& [bit, name] : names)
        if (bits & bit) ku.bits.emplace_back(name);
    return ku;
}

}  // namespace

CertificateFacts describe_certificate(const Botan::X509_Certificate& cert) {
    CertificateFacts f;
    try {
        const auto key = cert.load_subject_public_key();
        f.key_algorithm = key->algo_name();
        f.key_bits = key->key_length();
    } catch (const std::exception&) {
        // A key type Botan cannot load: still report its algorithm OID.
        f.key_algorithm = cert.subject_public_key_algo().get_oid().to_formatted_string();
    }
    if (f.key_algorithm == "ECDSA") f.key_algorithm = "EC";  // Java's name for id-ecPublicKey

    f.subject = java_dn_string(cert.raw_subject_dn());
    f.issuer = java_dn_string(cert.raw_issuer_dn());
    f.not_before = iso_8601(cert.not_before());
    f.not_after = iso_8601(cert.not_after());
    try {
        f.not_after_time = cert.not_after().to_std_timepoint();
    } catch (const std::exception&) {
        f.not_after_time = std::chrono::system_clock::time_point::min();  // before 1970
    }

    f.key_usage = key_usage_facts(cert);
    f.data_encipherment = !f.key_usage.present || cert.allowed_usage(Botan::DATA_ENCIPHERMENT);

    const std::vector<uint8_t> der = cert.BER_encode();
    f.thumbprint_sha1 = upper_hex_digest("SHA-1", der);
    f.fingerprint_sha256 = upper_hex_digest("SHA-256", der);
    return f;
}

}  // namespace ksc
