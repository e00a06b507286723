// The facts about a certificate that inspect, check and the key-usage refusal use.
#pragma once
#include <botan/x509cert.h>

#include <chrono>
#include <string>
#include <vector>

namespace ksc {

struct KeyUsageFacts {
    bool present = false;
    bool critical = false;
    std::vector<std::string> bits;  // RFC 5280 names: digitalSignature, nonRepudiation,
                                    // keyEncipherment, dataEncipherment, keyAgreement,
                                    // keyCertSign, cRLSign, encipherOnly, decipherOnly
};

struct CertificateFacts {
    std::string key_algorithm;   // "RSA", "EC", "DSA", ...
    size_t key_bits = 0;
    std::string subject;         // as keytool prints it: "CN=localhost, O=WSO2, ..."
    std::string issuer;
    std::string not_before;      // UTC ISO-8601 "2026-03-04T08:00:24Z"
    std::string not_after;
    std::chrono::system_clock::time_point not_after_time;
    KeyUsageFacts key_usage;
    bool data_encipherment = true;  // KeyUsage absent, or it has dataEncipherment
    std::string thumbprint_sha1;    // uppercase hex of SHA-1(DER), WSO2's "tp"
    std::string fingerprint_sha256; // uppercase hex of SHA-256(DER)

    bool expired(std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const {
        return now > not_after_time;
    }
};

CertificateFacts describe_certificate(const Botan::X509_Certificate& cert);

}  // namespace ksc
