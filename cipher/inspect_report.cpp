#include "ksc/inspect_report.hpp"

#include "ksc/certificate.hpp"

#include <sstream>

namespace ksc {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

}  // namespace

nlohmann::ordered_json inspect_json(const Keystore& ks, const std::string& file) {
    nlohmann::ordered_json out;
    out["file"] = file;
    out["type"] = to_string(ks.type());
    out["entries"] = nlohmann::ordered_json::array();
    for (const auto& e : ks.entries()) {
        nlohmann::ordered_json j;
        j["alias"] = e.alias;
        j["kind"] = to_string(e.kind);
        if (!e.chain.empty()) {
            const CertificateFacts f = describe_certificate(e.chain.front());
            j["key_algorithm"] = f.key_algorithm;
            j["key_bits"] = f.key_bits;
            j["subject"] = f.subject;
            j["issuer"] = f.issuer;
            j["not_before"] = f.not_before;
            j["not_after"] = f.not_after;
            j["key_usage"] = {{"present", f.key_usage.present},
                              {"critical", f.key_usage.critical},
                              {"bits", f.key_usage.bits}};
            j["data_encipherment"] = f.data_encipherment;
            j["thumbprint_sha1"] = f.thumbprint_sha1;
            j["fingerprint_sha256"] = f.fingerprint_sha256;
            j["expired"] = f.expired();
        }
        out["entries"].push_back(std::move(j));
    }
    return out;
}

std::string inspect_text(const Keystore& ks, const std::string& file) {
    std::ostringstream o;
    o << file << " (" << to_string(ks.type()) << ", " << ks.entries().size() << " entries)\n";
    for (const auto& e : ks.entries()) {
        o << "\n" << e.alias << "  [" << to_string(e.kind) << "]\n";
        if (e.chain.empty()) {
            o << "  (secret key entry: listed, not decoded)\n";
            continue;
        }
        const CertificateFacts f = describe_certificate(e.chain.front());
        std::string usage = !f.key_usage.present ? "absent (no restriction)"
                                                 : join(f.key_usage.bits, ", ") +
                                                       (f.key_usage.critical ? " (critical)" : " (non-critical)");
        o << "  key:          " << f.key_algorithm << " " << f.key_bits << " bits\n"
          << "  subject:      " << f.subject << "\n"
          << "  issuer:       " << f.issuer << "\n"
          << "  valid:        " << f.not_before << " to " << f.not_after
          << (f.expired() ? "   ** EXPIRED **" : "") << "\n"
          << "  key usage:    " << usage << "\n"
          << "  data encipherment: " << (f.data_encipherment ? "allowed" : "NOT ALLOWED") << "\n"
          << "  SHA-1:        " << f.thumbprint_sha1 << "\n"
          << "  SHA-256:      " << f.fingerprint_sha256 << "\n";
        if (e.kind == EntryKind::private_key && !f.data_encipherment)
            o << "  ! cannot be used to encrypt: KeyUsage lacks Data Encipherment\n";
        if (e.kind == EntryKind::private_key && f.key_algorithm != "RSA")
            o << "  ! cannot be used to encrypt: WSO2 encrypts only with RSA keys\n";
    }
    return o.str();
}

}  // namespace ksc
