// Certificates as keystores store them, and the facts about them that inspect, check
// and the key-usage refusal use.
#pragma once
#include "ksc/bytes.hpp"

#include <botan/x509cert.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ksc {

// One validity time, read from the certificate's own bytes (Botan 2 refuses years
// after 2200, and RFC 5280 uses 99991231235959Z for "no well-defined expiration").
struct CertificateTime {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    std::string iso_8601() const;  // "2026-03-04T08:00:24Z"
    // Clamped to the clock's range (system_clock ends in 2262).
    std::chrono::system_clock::time_point time_point() const;
};

// A certificate exactly as stored. Thumbprints hash these bytes, as keytool does and as
// Java's "tp" field does; Botan's re-encoding differs for valid but non-canonical input
// (a signature BIT STRING with unused bits, long-form lengths), so it is never hashed.
class Certificate {
public:
    // Throws ErrorKind::input "certificate is not valid DER X.509 (...)" with a plain reason.
    explicit Certificate(Bytes der);
    // For certificates made in memory: the bytes are Botan's encoding.
    Certificate(const Botan::X509_Certificate& cert);  // NOLINT(google-explicit-constructor)

    const Bytes& der() const { return der_; }
    const Botan::X509_Certificate& botan() const { return *botan_; }
    operator const Botan::X509_Certificate&() const { return *botan_; }  // NOLINT
    const CertificateTime& not_before() const { return not_before_; }
    const CertificateTime& not_after() const { return not_after_; }

private:
    Bytes der_;
    std::shared_ptr<const Botan::X509_Certificate> botan_;
    CertificateTime not_before_, not_after_;
};

struct KeyUsageFacts {
    bool present = false;
    bool critical = false;
    std::vector<std::string> bits;  // RFC 5280 names: digitalSignature, nonRepudiation,
                                    // keyEncipherment, dataEncipherment, keyAgreement,
                                    // keyCertSign, cRLSign, encipherOnly, decipherOnly
};

struct CertificateFacts {
    std::string key_algorithm;   // "RSA", "EC", "DSA", ...
    size_t key_bits = 0;         // 0: unknown (e.g. DSA parameters inherited from the issuer)
    std::string subject;         // as keytool prints it: "CN=localhost, O=WSO2, ..." (valid UTF-8)
    std::string issuer;
    std::string not_before;      // UTC ISO-8601 "2026-03-04T08:00:24Z"
    std::string not_after;
    std::chrono::system_clock::time_point not_after_time;
    KeyUsageFacts key_usage;
    bool data_encipherment = true;  // KeyUsage absent, or it has dataEncipherment
    std::string thumbprint_sha1;    // uppercase hex of SHA-1 of the stored bytes, WSO2's "tp"
    std::string fingerprint_sha256; // uppercase hex of SHA-256 of the stored bytes

    bool expired(std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const {
        return now > not_after_time;
    }
};

CertificateFacts describe_certificate(const Certificate& cert);

// keytool's form of an X.500 name (sun.security.x509.X500Name.toString) from its DER:
// RDNs last to first, string types decoded with Java's charsets, other types as #hex.
std::string java_dn_string(ByteView raw_dn);

// `in` with every invalid UTF-8 sequence replaced by U+FFFD (safe for JSON and terminals).
std::string valid_utf8(std::string_view in);

}  // namespace ksc
