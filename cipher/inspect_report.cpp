#include "ksc/inspect_report.hpp"

#include "ksc/certificate.hpp"
#include "ksc/error.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace ksc {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

// For a terminal: valid UTF-8, with C0/C1 control characters and DEL shown as escapes
// so a hostile name cannot move the cursor or change colours.
std::string shown(const std::string& s) {
    const std::string u = valid_utf8(s);
    std::string out;
    char buf[8];
    for (size_t i = 0; i < u.size(); ++i) {
        const auto c = static_cast<uint8_t>(u[i]);
        if (c < 0x20 || c == 0x7F) {
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else if (c == 0xC2 && i + 1 < u.size() && static_cast<uint8_t>(u[i + 1]) < 0xA0) {
            std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<uint8_t>(u[i + 1]));
            out += buf;
            ++i;
        } else {
            out.push_back(u[i]);
        }
    }
    return out;
}

// The key of a private-key entry stored without a certificate: its algorithm and size,
// when the key can be opened (PKCS#12 keys are open already; JKS/JCEKS need the key password).
struct KeyFacts {
    std::string algorithm;
    size_t bits = 0;
    std::string problem;  // why they are unknown
};

KeyFacts key_facts(const Keystore& ks, const KeystoreEntry& e, const InspectOptions& o) {
    KeyFacts f;
    try {
        std::unique_ptr<Botan::Private_Key> key;
        if (e.protection == KeyProtection::none) {
            Botan::DataSource_Memory src(e.plain_pkcs8);
            key = Botan::PKCS8::load_key(src);
        } else if (o.key_password) {
            key = ks.private_key(e.alias, *o.key_password);
        } else {
            f.problem = "the key password is needed to read it";
            return f;
        }
        f.algorithm = key->algo_name() == "ECDSA" ? "EC" : key->algo_name();
        f.bits = key->key_length();
    } catch (const Error&) {
        f.problem = "the key cannot be opened with the key password given";
    } catch (const std::exception&) {
        f.problem = "the key is not a readable PKCS#8 key";
    }
    return f;
}

// A secret key's algorithm and size: known from the load (PKCS#12), else learned by opening
// the key with the key password (JCEKS seals both under it). The key bytes are dropped at once.
KeyFacts secret_facts(const Keystore& ks, const KeystoreEntry& e, const InspectOptions& o) {
    KeyFacts f;
    if (e.secret_algorithm.empty() && e.note.empty()) {
        if (!o.key_password) {
            f.problem = "the key password is needed to read it";
            return f;
        }
        try {
            ks.secret_key(e.alias, *o.key_password);
        } catch (const Error&) {
            f.problem = "the key cannot be opened with the key password given";
            return f;
        }
    }
    if (e.secret_algorithm.empty()) {
        f.problem = e.note.empty() ? "the key cannot be read" : "Java refuses it";
        return f;
    }
    f.algorithm = e.secret_algorithm;
    f.bits = e.secret_bits;
    return f;
}

std::string size_text(const std::string& algorithm, size_t bits) {
    // keytool's wording when the size is not in the certificate (DSA parameters inherited).
    return bits ? algorithm + " " + std::to_string(bits) + " bits" : algorithm + " key of unknown size";
}

std::vector<const KeystoreEntry*> selected(const Keystore& ks, const InspectOptions& o) {
    std::vector<const KeystoreEntry*> out;
    if (o.alias) {
        const KeystoreEntry* e = ks.find(*o.alias);
        if (!e) fail_input("alias '" + *o.alias + "' not found in " + ks.name(), "run kscipher inspect without --alias to list them");
        out.push_back(e);
        return out;
    }
    for (const auto& e : ks.entries()) out.push_back(&e);
    return out;
}

}  // namespace

nlohmann::ordered_json inspect_json(const Keystore& ks, const std::string& file, const InspectOptions& options) {
    nlohmann::ordered_json out;
    out["file"] = valid_utf8(file);
    out["type"] = to_string(ks.type());
    out["entries"] = nlohmann::ordered_json::array();
    for (const KeystoreEntry* e : selected(ks, options)) {
        nlohmann::ordered_json j;
        j["alias"] = valid_utf8(e->alias);
        j["kind"] = to_string(e->kind);
        if (!e->chain.empty()) {
            const CertificateFacts f = describe_certificate(e->chain.front());
            j["key_algorithm"] = f.key_algorithm;
            // null, not 0, when the certificate does not give it (DSA parameters inherited
            // from the issuer): keytool says "DSA key of unknown size".
            if (f.key_bits) j["key_bits"] = f.key_bits;
            else j["key_bits"] = nullptr;
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
            j["chain_length"] = e->chain.size();
        } else if (e->kind != EntryKind::trusted_certificate) {
            const bool secret = e->kind == EntryKind::secret_key;
            const KeyFacts k = secret ? secret_facts(ks, *e, options) : key_facts(ks, *e, options);
            if (!secret) j["certificate"] = nullptr;
            if (k.problem.empty()) {
                j["key_algorithm"] = k.algorithm;
                j["key_bits"] = k.bits;
            } else {
                j["key_problem"] = k.problem;
            }
        }
        if (e->occurrences > 1) j["occurrences"] = e->occurrences;
        if (!e->note.empty()) j["note"] = valid_utf8(e->note);
        out["entries"].push_back(std::move(j));
    }
    out["warnings"] = nlohmann::ordered_json::array();
    for (const auto& w : ks.warnings()) out["warnings"].push_back(valid_utf8(w));
    return out;
}

std::string inspect_text(const Keystore& ks, const std::string& file, const InspectOptions& options) {
    const auto entries = selected(ks, options);
    std::ostringstream o;
    o << shown(file) << " (" << to_string(ks.type()) << ", " << ks.entries().size() << " entries)\n";
    size_t trusted = 0;
    for (const KeystoreEntry* e : entries) {
        if (e->kind == EntryKind::trusted_certificate) {
            ++trusted;
            continue;
        }
        o << "\n" << shown(e->alias) << "  [" << to_string(e->kind) << "]\n";
        if (e->occurrences > 1)
            o << "  ! alias repeated " << e->occurrences << " times in the file: the last entry is shown (as Java keeps it)\n";
        if (!e->note.empty()) o << "  ! " << shown(e->note) << "\n";
        if (e->kind == EntryKind::secret_key) {
            const KeyFacts k = secret_facts(ks, *e, options);
            o << "  key:          " << (k.problem.empty() ? size_text(k.algorithm, k.bits) : "unknown: " + k.problem)
              << " (secret key)\n";
            continue;
        }
        if (e->chain.empty()) {
            const KeyFacts k = key_facts(ks, *e, options);
            o << "  key:          " << (k.problem.empty() ? size_text(k.algorithm, k.bits) : "unknown: " + k.problem) << "\n"
              << "  certificate:  none stored with this key\n"
              << "  ! cannot be used to encrypt: there is no certificate\n";
            continue;
        }
        const CertificateFacts f = describe_certificate(e->chain.front());
        const std::string usage = !f.key_usage.present ? "absent (no restriction)"
                                                       : join(f.key_usage.bits, ", ") +
                                                             (f.key_usage.critical ? " (critical)" : " (non-critical)");
        o << "  key:          " << size_text(f.key_algorithm, f.key_bits) << "\n"
          << "  subject:      " << shown(f.subject) << "\n"
          << "  issuer:       " << shown(f.issuer) << "\n"
          << "  valid:        " << f.not_before << " to " << f.not_after << (f.expired() ? "   ** EXPIRED **" : "") << "\n"
          << "  key usage:    " << usage << "\n"
          << "  data encipherment: " << (f.data_encipherment ? "allowed" : "NOT ALLOWED") << "\n"
          << "  SHA-1:        " << f.thumbprint_sha1 << "\n"
          << "  SHA-256:      " << f.fingerprint_sha256 << "\n";
        if (e->chain.size() > 1) o << "  chain:        " << e->chain.size() << " certificates\n";
        if (!f.data_encipherment) o << "  ! cannot be used to encrypt: KeyUsage lacks Data Encipherment\n";
        if (f.key_algorithm != "RSA") o << "  ! cannot be used to encrypt: WSO2 encrypts only with RSA keys\n";
    }
    if (trusted) {
        o << "\nTrusted certificates (" << trusted << "): alias, subject, expiry, SHA-1\n";
        for (const KeystoreEntry* e : entries) {
            if (e->kind != EntryKind::trusted_certificate) continue;
            const CertificateFacts f = describe_certificate(e->chain.front());
            o << "  " << shown(e->alias) << "  " << shown(f.subject) << "  " << f.not_after
              << (f.expired() ? " (EXPIRED)" : "") << "  " << f.thumbprint_sha1
              << (e->occurrences > 1 ? "  (alias repeated " + std::to_string(e->occurrences) + " times)" : "") << "\n";
        }
    }
    return o.str();
}

}  // namespace ksc
