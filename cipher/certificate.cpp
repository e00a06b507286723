// Certificates as stored, and the facts inspect/check and the key-usage refusal use.
// Botan parses the certificate; the validity times and the thumbprints come from the
// stored bytes themselves, because Botan 2 refuses years after 2200 and re-encodes
// what it parsed.
#include "ksc/certificate.hpp"

#include "ksc/error.hpp"

#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pk_keys.h>
#include <botan/x509_ext.h>

#include <algorithm>
#include <cstdio>

namespace ksc {

namespace {

// One DER item inside `der`: its tag and where its contents are.
struct Tlv {
    uint8_t tag = 0;
    size_t start = 0;  // first byte of the item (its tag)
    size_t content = 0;
    size_t length = 0;
    size_t end() const { return content + length; }
};

// Definite lengths only (a certificate is DER); anything else is a plain-worded error.
Tlv read_tlv(ByteView der, size_t pos, size_t end) {
    auto bad = [] [[noreturn]] { fail_input("certificate is not valid DER X.509 (malformed ASN.1 structure)"); };
    Tlv t;
    t.start = pos;
    if (pos + 2 > end) bad();
    t.tag = der[pos++];
    if ((t.tag & 0x1F) == 0x1F) bad();
    const uint8_t first = der[pos++];
    if (first < 0x80) {
        t.length = first;
    } else {
        const size_t n = first & 0x7Fu;
        if (n == 0 || n > 4 || end - pos < n) bad();
        for (size_t i = 0; i < n; ++i) t.length = (t.length << 8) | der[pos++];
    }
    if (t.length > end - pos) bad();
    t.content = pos;
    return t;
}

// UTCTime YYMMDDhhmm[ss](Z|+hhmm|-hhmm) or GeneralizedTime YYYYMMDDhhmm[ss[.f*]](Z|+hhmm|-hhmm),
// the forms Java's DerValue accepts. An offset is applied so the result is UTC.
CertificateTime parse_time(ByteView der, const Tlv& t) {
    const std::string s(reinterpret_cast<const char*>(der.data() + t.content), t.length);
    auto bad = [&] [[noreturn]] {
        fail_input("certificate is not valid DER X.509 (validity time '" + valid_utf8(s) + "' is malformed)");
    };
    if (t.tag != 0x17 && t.tag != 0x18) bad();
    size_t i = 0;
    auto digits = [&](size_t n) {
        int v = 0;
        for (size_t k = 0; k < n; ++k, ++i) {
            if (i >= s.size() || s[i] < '0' || s[i] > '9') bad();
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    CertificateTime ct;
    if (t.tag == 0x17) {
        const int yy = digits(2);
        ct.year = yy < 50 ? 2000 + yy : 1900 + yy;  // RFC 5280 4.1.2.5.1
    } else {
        ct.year = digits(4);
    }
    ct.month = digits(2);
    ct.day = digits(2);
    ct.hour = digits(2);
    ct.minute = digits(2);
    if (i < s.size() && s[i] >= '0' && s[i] <= '9') ct.second = digits(2);
    if (t.tag == 0x18 && i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        if (i >= s.size() || s[i] < '0' || s[i] > '9') bad();
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;  // fractions of a second: dropped
    }
    int offset_minutes = 0;
    if (i < s.size() && s[i] == 'Z') {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        const int sign = s[i++] == '+' ? 1 : -1;
        const int h = digits(2), m = digits(2);
        offset_minutes = sign * (h * 60 + m);
    } else {
        bad();
    }
    if (i != s.size() || ct.month < 1 || ct.month > 12 || ct.day < 1 || ct.day > 31 || ct.hour > 23 ||
        ct.minute > 59 || ct.second > 60)
        bad();
    if (offset_minutes != 0) {
        // Shift through a time_point-free path: seconds since the epoch and back.
        // (Rare in practice: RFC 5280 requires Z.)
        const auto tp = ct.time_point() - std::chrono::minutes(offset_minutes);
        const auto days = std::chrono::floor<std::chrono::days>(tp);
        const std::chrono::year_month_day ymd{days};
        const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(tp - days)};
        ct.year = static_cast<int>(ymd.year());
        ct.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
        ct.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
        ct.hour = static_cast<int>(hms.hours().count());
        ct.minute = static_cast<int>(hms.minutes().count());
        ct.second = static_cast<int>(hms.seconds().count());
    }
    return ct;
}

struct Validity {
    Tlv not_before, not_after;
};

// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
//   signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }
Validity find_validity(ByteView der) {
    const Tlv cert = read_tlv(der, 0, der.size());
    const Tlv tbs = read_tlv(der, cert.content, cert.end());
    if (cert.tag != 0x30 || tbs.tag != 0x30)
        fail_input("certificate is not valid DER X.509 (not an X.509 certificate structure)");
    size_t pos = tbs.content;
    Tlv item = read_tlv(der, pos, tbs.end());
    if (item.tag == 0xA0) item = read_tlv(der, item.end(), tbs.end());  // version
    item = read_tlv(der, item.end(), tbs.end());                          // signature algorithm
    item = read_tlv(der, item.end(), tbs.end());                          // issuer
    const Tlv validity = read_tlv(der, item.end(), tbs.end());
    if (validity.tag != 0x30) fail_input("certificate is not valid DER X.509 (no validity period)");
    Validity v;
    v.not_before = read_tlv(der, validity.content, validity.end());
    v.not_after = read_tlv(der, v.not_before.end(), validity.end());
    return v;
}

// Botan 2 refuses GeneralizedTime years outside 1950..2200. To let it parse the rest,
// such a time is replaced in a private copy; the real times are read by parse_time.
bool clamp_years_for_botan(Bytes& copy, const Validity& v) {
    bool changed = false;
    for (const Tlv* t : {&v.not_before, &v.not_after}) {
        if (t->tag != 0x18 || t->length != 15) continue;
        const std::string year(reinterpret_cast<const char*>(copy.data() + t->content), 4);
        if (year >= "1950" && year <= "2200") continue;
        const std::string_view stand_in = year < "1950" ? "19500101000000Z" : "22001231235959Z";
        std::copy(stand_in.begin(), stand_in.end(), copy.begin() + static_cast<std::ptrdiff_t>(t->content));
        changed = true;
    }
    return changed;
}

std::string upper_hex_digest(const char* algo, const Bytes& der) {
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

std::string CertificateTime::iso_8601() const {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second);
    return buf;
}

std::chrono::system_clock::time_point CertificateTime::time_point() const {
    using namespace std::chrono;
    const sys_days days{std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} /
                        std::chrono::day{static_cast<unsigned>(day)}};
    const auto secs = sys_seconds{days} + hours{hour} + minutes{minute} + seconds{second};
    // system_clock counts nanoseconds in 64 bits: it ends in 2262 and starts in 1677.
    const auto limit = duration_cast<seconds>(system_clock::duration::max()) - seconds{1};
    if (secs.time_since_epoch() >= limit) return system_clock::time_point::max();
    if (secs.time_since_epoch() <= -limit) return system_clock::time_point::min();
    return time_point_cast<system_clock::duration>(secs);
}

Certificate::Certificate(Bytes der) : der_(std::move(der)) {
    const Validity v = find_validity(der_);
    not_before_ = parse_time(der_, v.not_before);
    not_after_ = parse_time(der_, v.not_after);
    Bytes for_botan = der_;
    clamp_years_for_botan(for_botan, v);
    try {
        botan_ = std::make_shared<const Botan::X509_Certificate>(for_botan);
    } catch (const std::exception&) {
        // Botan's own texts name its source files and assertions: not for users.
        fail_input("certificate is not valid DER X.509 (its fields cannot be decoded)");
    }
}

Certificate::Certificate(const Botan::X509_Certificate& cert)
    : Certificate(Bytes(cert.BER_encode())) {}

CertificateFacts describe_certificate(const Certificate& certificate) {
    const Botan::X509_Certificate& cert = certificate.botan();
    CertificateFacts f;
    try {
        const auto key = cert.load_subject_public_key();
        f.key_algorithm = key->algo_name();
        f.key_bits = key->key_length();
    } catch (const std::exception&) {
        // A key Botan cannot load (a DSA key whose parameters are inherited from the
        // issuer, an unknown type): its algorithm by name or OID, size unknown (0).
        f.key_algorithm = cert.subject_public_key_algo().get_oid().to_formatted_string();
    }
    if (f.key_algorithm == "ECDSA") f.key_algorithm = "EC";  // Java's name for id-ecPublicKey

    f.subject = java_dn_string(cert.raw_subject_dn());
    f.issuer = java_dn_string(cert.raw_issuer_dn());
    f.not_before = certificate.not_before().iso_8601();
    f.not_after = certificate.not_after().iso_8601();
    f.not_after_time = certificate.not_after().time_point();

    f.key_usage = key_usage_facts(cert);
    f.data_encipherment = !f.key_usage.present || cert.allowed_usage(Botan::DATA_ENCIPHERMENT);

    f.thumbprint_sha1 = upper_hex_digest("SHA-1", certificate.der());
    f.fingerprint_sha256 = upper_hex_digest("SHA-256", certificate.der());
    return f;
}

}  // namespace ksc
