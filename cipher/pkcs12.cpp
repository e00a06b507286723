// PKCS#12 (RFC 7292) reader: verifies the MAC, decrypts the bags and pairs keys with
// their certificates, reading what Java's keytool and OpenSSL write (README.md "Choices
// made where the contract is silent": keystores as Java reads them).
#include "der_check.hpp"
#include "keystore_formats.hpp"
#include "ksc/error.hpp"
#include "pkcs12_entries.hpp"
#include "pkcs12_kdf.hpp"
#include "pkcs12_pbe.hpp"

#include <botan/ber_dec.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/hex.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/pkcs8.h>
#include <botan/pkix_types.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

namespace ksc::detail {

namespace {

// Object identifiers (RFC 7292, PKCS#7, PKCS#9, Oracle's trusted-certificate attribute).
const Botan::OID oid_data("1.2.840.113549.1.7.1");
const Botan::OID oid_encrypted_data("1.2.840.113549.1.7.6");
const Botan::OID oid_key_bag("1.2.840.113549.1.12.10.1.1");
const Botan::OID oid_shrouded_key_bag("1.2.840.113549.1.12.10.1.2");
const Botan::OID oid_cert_bag("1.2.840.113549.1.12.10.1.3");
const Botan::OID oid_crl_bag("1.2.840.113549.1.12.10.1.4");
const Botan::OID oid_secret_bag("1.2.840.113549.1.12.10.1.5");
const Botan::OID oid_safe_contents_bag("1.2.840.113549.1.12.10.1.6");
const Botan::OID oid_x509_certificate("1.2.840.113549.1.9.22.1");
const Botan::OID oid_friendly_name("1.2.840.113549.1.9.20");
const Botan::OID oid_local_key_id("1.2.840.113549.1.9.21");
const Botan::OID oid_java_trusted("2.16.840.1.113894.746875.1.1");

// Nested safeContentsBags deeper than this are refused (nobody writes more than one level).
constexpr int max_bag_depth = 4;

struct MacAlgorithm {
    const char* oid;
    const char* hash;
};
constexpr MacAlgorithm mac_algorithms[] = {
    {"1.3.14.3.2.26", "SHA-1"},
    {"2.16.840.1.101.3.4.2.4", "SHA-224"},
    {"2.16.840.1.101.3.4.2.1", "SHA-256"},
    {"2.16.840.1.101.3.4.2.2", "SHA-384"},
    {"2.16.840.1.101.3.4.2.3", "SHA-512"},
};

class Reader {
public:
    Reader(const Password& password, const std::string& name)
        : password_(password), name_(name), entries_(name) {}

    Keystore read(ByteView bytes);

private:
    Bytes verify_and_get_auth_safe(ByteView bytes);
    void verify_mac(const Botan::BER_Object& mac_data, ByteView auth_safe);
    void read_safe_contents(ByteView ber, int depth);
    void read_bag(const Botan::BER_Object& bag, int depth);
    BagAttributes read_attributes(const Botan::BER_Object& set);
    SecureBytes decrypt(const Botan::AlgorithmIdentifier& alg, ByteView ciphertext, const std::string& what);

    const Password& password_;
    const std::string& name_;
    SecureBytes bmp_;  // the password encoding the MAC accepted (or the default one)
    bool mac_checked_ = false;
    Pkcs12Entries entries_;
    size_t bag_count_ = 0;
};

// The contents of a [0] EXPLICIT wrapper: exactly one inner object.
Botan::BER_Object explicit_content(const Botan::BER_Object& wrapper, const char* what) {
    wrapper.assert_is_a(Botan::ASN1_Tag(0), Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED), what);
    Botan::BER_Decoder dec(wrapper);
    Botan::BER_Object inner = dec.get_next_object();
    dec.verify_end();
    return inner;
}

// The encoded bytes of a TLV object's contents (for an object decoded from DER input).
Bytes octets(const Botan::BER_Object& obj, const char* what) {
    obj.assert_is_a(Botan::OCTET_STRING, Botan::UNIVERSAL, what);
    return Bytes(obj.bits(), obj.bits() + obj.length());
}


Keystore Reader::read(ByteView bytes) {
    // AuthenticatedSafe ::= SEQUENCE OF ContentInfo
    const SecureBytes auth_safe = as_der(verify_and_get_auth_safe(bytes), name_ + ": PKCS#12 contents");
    Botan::BER_Decoder outer(auth_safe);
    Botan::BER_Decoder seq = outer.start_cons(Botan::SEQUENCE);
    while (seq.more_items()) {
        Botan::OID type;
        Botan::BER_Decoder ci = seq.start_cons(Botan::SEQUENCE);
        ci.decode(type);
        const Botan::BER_Object content = explicit_content(ci.get_next_object(), "ContentInfo content");
        ci.verify_end();
        if (type == oid_data) {
            read_safe_contents(octets(content, "data content"), 0);
        } else if (type == oid_encrypted_data) {
            // EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo SEQUENCE {
            //   contentType OID, contentEncryptionAlgorithm AlgorithmIdentifier,
            //   encryptedContent [0] IMPLICIT OCTET STRING } }
            content.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "EncryptedData");
            Botan::BER_Decoder ed(content);
            size_t version = 0;
            ed.decode(version);
            Botan::BER_Decoder eci = ed.start_cons(Botan::SEQUENCE);
            Botan::OID inner_type;
            Botan::AlgorithmIdentifier alg;
            eci.decode(inner_type).decode(alg);
            const Botan::BER_Object enc = eci.get_next_object();
            eci.verify_end();
            ed.verify_end();
            Bytes ciphertext;
            if (enc.is_a(0, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED))) {
                // BER (Bouncy Castle): the implicit OCTET STRING in segments.
                Botan::BER_Decoder segments(enc);
                while (segments.more_items()) {
                    const Bytes part = octets(segments.get_next_object(), "encrypted content segment");
                    ciphertext.insert(ciphertext.end(), part.begin(), part.end());
                }
            } else {
                enc.assert_is_a(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC, "encrypted content");
                ciphertext.assign(enc.bits(), enc.bits() + enc.length());
            }
            const SecureBytes plain = decrypt(alg, ciphertext, name_ + ": encrypted certificate data");
            read_safe_contents(plain, 0);
        } else {
            fail_input(name_ + ": unsupported PKCS#12 content type " + type.to_string() +
                       " (only data and password-encrypted data are supported)");
        }
    }
    seq.verify_end();
    outer.verify_end();
    return entries_.finish();
}

Bytes Reader::verify_and_get_auth_safe(ByteView bytes) {
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData MacData OPTIONAL }
    // Java and OpenSSL read one ASN.1 item and ignore whatever follows it.
    const DerItem pfx_item = first_item_as_der(bytes, name_ + ": not a valid PKCS#12 file");
    if (pfx_item.consumed < bytes.size())
        entries_.warn(name_ + ": " + std::to_string(bytes.size() - pfx_item.consumed) +
                      " bytes after the end of the PKCS#12 structure were ignored (keytool and openssl ignore them too)");
    Botan::BER_Decoder top(pfx_item.der);
    Botan::BER_Decoder pfx = top.start_cons(Botan::SEQUENCE);
    size_t version = 0;
    pfx.decode(version);
    if (version != 3) fail_input(name_ + ": unsupported PKCS#12 version " + std::to_string(version));

    Botan::OID type;
    Botan::BER_Decoder ci = pfx.start_cons(Botan::SEQUENCE);
    ci.decode(type);
    if (type != oid_data)
        fail_input(name_ + ": PKCS#12 public-key integrity mode (" + type.to_string() + ") is not supported");
    Bytes auth_safe = octets(explicit_content(ci.get_next_object(), "authSafe content"), "authSafe content");
    ci.verify_end();

    const Botan::BER_Object mac_data = pfx.get_next_object();
    pfx.verify_end();
    top.verify_end();

    bmp_ = password_.pkcs12_bmp();
    if (mac_data.is_set()) {
        verify_mac(mac_data, auth_safe);
        mac_checked_ = true;
    }
    return auth_safe;
}

void Reader::verify_mac(const Botan::BER_Object& mac_data, ByteView auth_safe) {
    // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    // DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }
    mac_data.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "MacData");
    Botan::BER_Decoder md(mac_data);
    Botan::AlgorithmIdentifier alg;
    std::vector<uint8_t> digest, salt;
    md.start_cons(Botan::SEQUENCE).decode(alg).decode(digest, Botan::OCTET_STRING).end_cons();
    md.decode(salt, Botan::OCTET_STRING);
    Botan::BigInt count(1);
    if (md.more_items()) md.decode(count);
    md.verify_end();

    const char* hash = nullptr;
    for (const auto& m : mac_algorithms)
        if (alg.get_oid().to_string() == m.oid) hash = m.hash;
    if (!hash) fail_input(name_ + ": unsupported MAC algorithm " + alg.get_oid().to_string());
    const uint32_t iterations = checked_iterations(count, name_ + ": MAC");

    auto hmac = Botan::MessageAuthenticationCode::create_or_throw(std::string("HMAC(") + hash + ")");
    if (digest.size() != hmac->output_length())
        fail_input(name_ + ": integrity check failed: MAC has the wrong length for " + hash);

    auto matches = [&](const SecureBytes& bmp) {
        hmac->set_key(pkcs12_kdf(hash, bmp, salt, Pkcs12KdfId::mac, iterations, hmac->output_length()));
        hmac->update(auth_safe.data(), auth_safe.size());
        const SecureBytes computed = hmac->final();
        return Botan::constant_time_compare(computed.data(), digest.data(), digest.size());
    };
    if (matches(bmp_)) return;
    // An empty password has two encodings in the wild: the 00 00 terminator alone (what
    // Java and the openssl command write) and no bytes at all. Try the other one too, as OpenSSL does.
    if (password_.empty()) {
        SecureBytes other = bmp_.empty() ? SecureBytes{0, 0} : SecureBytes{};
        if (matches(other)) {
            bmp_ = std::move(other);
            return;
        }
    }
    fail_input(name_ + ": integrity check failed: the keystore password is wrong or the file is damaged",
               "check the store password; the PKCS#12 MAC did not match");
}

void Reader::read_safe_contents(ByteView ber, int depth) {
    if (depth > max_bag_depth) fail_input(name_ + ": PKCS#12 bags nested too deeply");
    // SafeContents ::= SEQUENCE OF SafeBag
    const SecureBytes der = as_der(ber, name_ + ": PKCS#12 bag list");
    entries_.start_safe_contents();
    Botan::BER_Decoder outer(der);
    Botan::BER_Decoder seq = outer.start_cons(Botan::SEQUENCE);
    while (seq.more_items()) {
        if (++bag_count_ > max_keystore_entries)
            fail_input(name_ + ": more than " + std::to_string(max_keystore_entries) + " PKCS#12 bags");
        read_bag(seq.get_next_object(), depth);
    }
    seq.verify_end();
    outer.verify_end();
}

BagAttributes Reader::read_attributes(const Botan::BER_Object& set) {
    // SET OF SEQUENCE { attrId OID, attrValues SET OF ANY }
    set.assert_is_a(Botan::SET, Botan::CONSTRUCTED, "bag attributes");
    BagAttributes out;
    Botan::BER_Decoder attrs(set);
    while (attrs.more_items()) {
        Botan::BER_Decoder attr = attrs.start_cons(Botan::SEQUENCE);
        Botan::OID id;
        attr.decode(id);
        Botan::BER_Decoder values = attr.start_cons(Botan::SET);
        if (id == oid_friendly_name) {
            Botan::ASN1_String s;  // BMPString, converted to UTF-8 by Botan
            values.decode(s);
            if (s.tagging() != Botan::BMP_STRING && s.tagging() != Botan::UTF8_STRING)
                fail_input(name_ + ": friendlyName is not a BMPString");
            out.friendly_name = s.value();
        } else if (id == oid_local_key_id) {
            std::vector<uint8_t> v;
            values.decode(v, Botan::OCTET_STRING);
            out.local_key_id = Bytes(v.begin(), v.end());
        } else if (id == oid_java_trusted) {
            out.java_trusted = true;
        }
        values.discard_remaining();
        attr.verify_end();
    }
    return out;
}

SecureBytes Reader::decrypt(const Botan::AlgorithmIdentifier& alg, ByteView ciphertext, const std::string& what) {
    SecureBytes plain = pbe_decrypt(alg, ciphertext, PbePassword{password_.utf8(), bmp_}, what);
    // With no MAC (openssl -nomac) the padding is the only password check, and about
    // one wrong password in 256 passes it. What decrypts is then noise, not one DER
    // item: said as the wrong password it most likely is, not as a parse error deep inside.
    if (!mac_checked_) {
        try {
            (void)as_der(plain, what);
        } catch (const std::exception&) {
            fail_input(what + ": decryption failed (wrong password or damaged file)");
        }
    }
    return plain;
}

void Reader::read_bag(const Botan::BER_Object& bag, int depth) {
    // SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF Attribute OPTIONAL }
    bag.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "SafeBag");
    Botan::BER_Decoder dec(bag);
    Botan::OID type;
    dec.decode(type);
    const Botan::BER_Object value = explicit_content(dec.get_next_object(), "bag value");
    BagAttributes attrs;
    if (dec.more_items()) attrs = read_attributes(dec.get_next_object());
    dec.verify_end();

    const std::string label = attrs.friendly_name ? " '" + *attrs.friendly_name + "'" : std::string();
    if (type == oid_key_bag) {
        value.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "PrivateKeyInfo");
        SecureBytes pkcs8;  // the decoder gave the contents: re-wrap them into the full TLV
        Botan::DER_Encoder(pkcs8).add_object(Botan::SEQUENCE, Botan::CONSTRUCTED, value.bits(), value.length());
        // Read as openssl reads it; Java's loader skips key bags, which the user must know.
        entries_.warn(name_ + ": private key" + label + " is stored unencrypted (keyBag): openssl reads it, but "
                      "Java and keytool skip such keys, so the product cannot load it");
        entries_.add_key(std::move(attrs), std::move(pkcs8));
    } else if (type == oid_shrouded_key_bag) {
        // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
        value.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "EncryptedPrivateKeyInfo");
        Botan::BER_Decoder epki(value);
        Botan::AlgorithmIdentifier alg;
        std::vector<uint8_t> data;
        epki.decode(alg).decode(data, Botan::OCTET_STRING).verify_end();
        SecureBytes pkcs8 = as_der(decrypt(alg, data, name_ + ": private key" + label),
                                   name_ + ": private key" + label + " (decrypted)");
        if (pkcs8[0] != 0x30) fail_input(name_ + ": private key" + label + " is not a PKCS#8 PrivateKeyInfo");
        entries_.add_key(std::move(attrs), std::move(pkcs8));
    } else if (type == oid_cert_bag) {
        // CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }
        value.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "CertBag");
        Botan::BER_Decoder cb(value);
        Botan::OID cert_type;
        cb.decode(cert_type);
        const Bytes der = octets(explicit_content(cb.get_next_object(), "certificate"), "certificate");
        cb.verify_end();
        if (cert_type != oid_x509_certificate)
            fail_input(name_ + ": unsupported certificate type " + cert_type.to_string() + label);
        std::optional<Certificate> cert;
        try {
            cert.emplace(der);  // the stored bytes: thumbprints hash these
        } catch (const Error& e) {
            fail_input(name_ + ": certificate" + label + ": " + e.what());
        }
        entries_.add_certificate(std::move(attrs), std::move(*cert));
    } else if (type == oid_secret_bag) {
        // keytool -genseckey. SecretBag ::= SEQUENCE { secretTypeId OID, secretValue [0] EXPLICIT
        // OCTET STRING }; Java writes a shrouded key bag's EncryptedPrivateKeyInfo there, under
        // the store password like its private keys, and reads it as one whatever the type says.
        value.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "SecretBag");
        Botan::BER_Decoder sb(value);
        Botan::OID secret_type;
        sb.decode(secret_type);
        Bytes epki = octets(explicit_content(sb.get_next_object(), "secret value"), "secret value");
        sb.verify_end();
        std::optional<SecretKeyValue> opened;
        try {
            opened = open_pkcs12_secret_key(epki, password_);
        } catch (const Error&) {
            // Java opens secret keys only when asked, with the key password: not a load failure.
        }
        entries_.add_secret(std::move(attrs), std::move(epki), std::move(opened));
    } else if (type == oid_safe_contents_bag) {
        value.assert_is_a(Botan::SEQUENCE, Botan::CONSTRUCTED, "nested SafeContents");
        Bytes nested;
        Botan::DER_Encoder(nested).add_object(Botan::SEQUENCE, Botan::CONSTRUCTED, value.bits(), value.length());
        read_safe_contents(nested, depth + 1);
    } else if (type == oid_crl_bag) {
        // CRLs are not keystore entries.
    } else {
        fail_input(name_ + ": unsupported PKCS#12 bag type " + type.to_string());
    }
}

}  // namespace

std::optional<SecretKeyValue> open_pkcs12_secret_key(ByteView encrypted_key_info, const Password& password) {
    const std::string what = "secret key";
    const SecureBytes der = as_der(encrypted_key_info, what);
    Botan::AlgorithmIdentifier alg;
    std::vector<uint8_t> data;
    try {
        Botan::BER_Decoder(der).start_cons(Botan::SEQUENCE).decode(alg).decode(data, Botan::OCTET_STRING).end_cons().verify_end();
    } catch (const Botan::Exception&) {
        fail_input(what + " is not a valid EncryptedPrivateKeyInfo");
    }
    const SecureBytes bmp = password.pkcs12_bmp();
    const SecureBytes plain = pbe_decrypt(alg, data, PbePassword{password.utf8(), bmp}, what);
    try {
        return decode_pkcs8_secret_key(as_der(plain, what), what);
    } catch (const Error&) {
        return std::nullopt;  // padding that passed by chance: the password is wrong
    }
}

Keystore parse_pkcs12(ByteView bytes, const Password& store_password, const std::string& name) {
    try {
        return Reader(store_password, name).read(bytes);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        // Botan's decoding errors name tags and structures, never key material; its
        // assertion texts (source files, line numbers) are left out.
        const std::string reason = plain_reason(e);
        fail_input(name + ": malformed PKCS#12 file" + (reason.empty() ? "" : " (" + reason + ")"));
    }
}

}  // namespace ksc::detail
