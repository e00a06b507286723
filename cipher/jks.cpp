// JKS (Sun "JavaKeyStore") and JCEKS readers: one container, two key protections, and
// JCEKS secret keys (jceks_sealed_key.cpp).
// JKS and JCEKS are big-endian records under a SHA-1 integrity hash keyed by the store
// password; keys are protected by Sun's XOR scheme (JKS) or PBEWithMD5AndTripleDES
// (JCEKS). Every length comes from the file, so every read goes through ByteReader,
// which refuses to run past the end.
#include "java_serial.hpp"
#include "jceks_pbe.hpp"
#include "jceks_sealed_key.hpp"
#include "keystore_formats.hpp"

#include "ksc/bytes.hpp"
#include "ksc/error.hpp"

#include <botan/alg_id.h>
#include <botan/ber_dec.h>
#include <botan/hash.h>
#include <botan/mem_ops.h>

#include <algorithm>
#include <map>
#include <optional>

namespace ksc::detail {

namespace {

constexpr uint32_t jks_magic = 0xFEEDFEED;
constexpr uint32_t jceks_magic = 0xCECECECE;
constexpr size_t integrity_hash_len = 20;  // SHA-1
const char* const sun_jks_key_oid = "1.3.6.1.4.1.42.2.17.1.1";
const char* const jceks_key_oid = jceks_pbe_oid;
// A certificate chain longer than this is not a real chain.
constexpr uint32_t max_chain_length = 100;

Certificate read_certificate(ByteReader& r, uint32_t version, const std::string& where) {
    if (version == 2) {
        const std::string cert_type = read_java_utf(r, where);
        if (cert_type != "X.509")
            fail_input(where + ": unsupported certificate type '" + cert_type + "'");
    }
    const uint32_t len = r.u32();
    const ByteView der = r.take(len);
    try {
        return Certificate(Bytes(der.begin(), der.end()));  // the stored bytes: thumbprints hash these
    } catch (const Error& e) {
        fail_input(where + ": " + e.what());
    }
}

// DER EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
struct EncryptedKeyInfo {
    Botan::AlgorithmIdentifier algorithm;
    std::vector<uint8_t> data;
};

EncryptedKeyInfo decode_encrypted_key_info(ByteView der) {
    EncryptedKeyInfo info;
    try {
        Botan::BER_Decoder(der.data(), der.size())
            .start_cons(Botan::SEQUENCE)
            .decode(info.algorithm)
            .decode(info.data, Botan::OCTET_STRING)
            .end_cons()
            .verify_end();
    } catch (const Botan::Exception&) {
        fail_input("protected key is not a valid EncryptedPrivateKeyInfo");
    }
    return info;
}

// A decrypted key must at least be one DER SEQUENCE filling the whole buffer;
// this catches the wrong-password results that happen to carry valid padding.
bool looks_like_der_sequence(const SecureBytes& plain) {
    try {
        Botan::BER_Decoder dec(plain);
        Botan::BER_Object obj = dec.get_next_object();
        return obj.is_a(Botan::SEQUENCE, Botan::CONSTRUCTED) && !dec.more_items();
    } catch (const Botan::Exception&) {
        return false;
    }
}

}  // namespace

namespace {

bool integrity_matches(ByteView body, ByteView stored_hash, const Password& store_password) {
    auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
    sha1->update(store_password.utf16be());
    sha1->update("Mighty Aphrodite");
    sha1->update(body.data(), body.size());
    const auto computed = sha1->final();
    return Botan::constant_time_compare(computed.data(), stored_hash.data(), integrity_hash_len);
}

struct Body {
    KeystoreType type = KeystoreType::jks;
    std::vector<KeystoreEntry> entries;  // in file order, repeated aliases included
    size_t end = 0;                      // offset just after the last entry
};

// Header and entries, read from the start of `bytes`; whatever follows the last entry is
// left to the caller. Takes no password: private keys stay encrypted.
Body read_body(ByteView bytes, const std::string& name) {
    ByteReader r(bytes, name);
    const uint32_t magic = r.u32();
    if (magic != jks_magic && magic != jceks_magic) fail_input(name + ": not a JKS or JCEKS keystore (unknown magic)");
    const bool jceks = magic == jceks_magic;
    Body body;
    body.type = jceks ? KeystoreType::jceks : KeystoreType::jks;
    const uint32_t version = r.u32();
    if (version != 1 && version != 2)
        fail_input(name + ": unsupported " + to_string(body.type) + " version " + std::to_string(version));
    const uint32_t count = r.u32();
    if (count > max_keystore_entries)
        fail_input(name + ": absurd entry count " + std::to_string(count) + " (limit " +
                   std::to_string(max_keystore_entries) + ")");

    for (uint32_t i = 0; i < count; ++i) {
        KeystoreEntry e;
        const uint32_t tag = r.u32();
        e.alias = read_java_utf(r, name + ": alias of entry " + std::to_string(i + 1));
        r.u64();  // creation date, not needed
        const std::string where = name + ": entry '" + e.alias + "'";
        if (tag == 1) {
            e.kind = EntryKind::private_key;
            const uint32_t len = r.u32();
            const ByteView key = r.take(len);
            e.protected_key.assign(key.begin(), key.end());
            const std::string oid = [&] {
                try {
                    return decode_encrypted_key_info(key).algorithm.get_oid().to_string();
                } catch (const Error& err) {
                    fail_input(where + ": " + err.what());
                }
            }();
            if (oid == sun_jks_key_oid) e.protection = KeyProtection::jks;
            else if (oid == jceks_key_oid) e.protection = KeyProtection::jceks;
            else fail_input(where + ": unsupported key protection algorithm " + oid);
            const uint32_t chain_len = r.u32();
            if (chain_len > max_chain_length)
                fail_input(where + ": absurd certificate chain length " + std::to_string(chain_len));
            for (uint32_t c = 0; c < chain_len; ++c) e.chain.push_back(read_certificate(r, version, where));
        } else if (tag == 2) {
            e.kind = EntryKind::trusted_certificate;
            e.chain.push_back(read_certificate(r, version, where));
        } else if (tag == 3 && jceks) {
            // A serialized SealedObject whose length is written nowhere: read it to find its end.
            // Its key is sealed under the key password, opened only by Keystore::secret_key.
            e.kind = EntryKind::secret_key;
            e.protection = KeyProtection::jceks_sealed;
            const size_t start = r.offset();
            try {
                const JavaStream sealed = JavaStream::read(r, "secret key entry");
                if (auto refused = sealed_key_refusal(sealed))
                    e.note = "Java refuses this secret key entry: " + *refused + "; keytool cannot open this keystore";
            } catch (const Error& err) {
                fail_input(where + ": " + err.what());
            }
            const ByteView sealed_bytes = bytes.subspan(start, r.offset() - start);
            e.protected_key.assign(sealed_bytes.begin(), sealed_bytes.end());
        } else {
            fail_input(where + ": unknown entry tag " + std::to_string(tag));
        }
        body.entries.push_back(std::move(e));
    }
    body.end = r.offset();
    return body;
}

// Java's loaders put each entry into a map under its alias exactly as stored: a repeated
// alias keeps only the last entry. The entry stays where the alias first appeared.
std::vector<KeystoreEntry> as_java_map(std::vector<KeystoreEntry> in, std::vector<std::string>& warnings,
                                       const std::string& name) {
    std::vector<KeystoreEntry> out;
    std::map<std::string, size_t> index;
    for (auto& e : in) {
        const auto [it, inserted] = index.emplace(e.alias, out.size());
        if (inserted) {
            out.push_back(std::move(e));
            continue;
        }
        const size_t seen = out[it->second].occurrences;
        out[it->second] = std::move(e);
        out[it->second].occurrences = seen + 1;
    }
    for (const auto& e : out)
        if (e.occurrences > 1)
            warnings.push_back(name + ": alias '" + e.alias + "' appears " + std::to_string(e.occurrences) +
                               " times; Java keeps only the last entry (shown), so it cannot be selected as a key");
    return out;
}

}  // namespace

Keystore parse_jks_family(ByteView bytes, const Password& store_password, const std::string& name) {
    if (bytes.size() < 12 + integrity_hash_len)
        fail_input(name + ": too short to be a JKS/JCEKS keystore (" + std::to_string(bytes.size()) + " bytes)");

    // Integrity first: nothing in the body is trusted until the hash matches. The hash is
    // normally the last 20 bytes. Java, though, reads the entries and then the 20 bytes
    // after them, and never looks further: a file with bytes appended still opens in
    // keytool. So when the hash at the end fails, find where the entries end (the reader
    // is bounded and takes no secret) and check the hash there.
    std::vector<std::string> warnings;
    Body body;
    const size_t usual_end = bytes.size() - integrity_hash_len;
    if (integrity_matches(bytes.first(usual_end), bytes.last(integrity_hash_len), store_password)) {
        body = read_body(bytes.first(usual_end), name);
        if (body.end != usual_end)
            fail_input(name + ": " + std::to_string(usual_end - body.end) + " unexpected bytes after the last entry");
    } else {
        std::optional<Body> parsed;
        try {
            parsed = read_body(bytes, name);
        } catch (const Error&) {
            // Damaged or not ours: reported below as what it most likely is.
        }
        if (!parsed || parsed->end + integrity_hash_len > bytes.size() ||
            !integrity_matches(bytes.first(parsed->end), bytes.subspan(parsed->end, integrity_hash_len), store_password))
            fail_input(name + ": keystore password is wrong or the file is damaged (integrity check failed)",
                       "check the store password; a file changed after keytool wrote it fails the same way");
        body = std::move(*parsed);
        warnings.push_back(name + ": " + std::to_string(bytes.size() - body.end - integrity_hash_len) +
                           " bytes after the end of the keystore were ignored (keytool ignores them too)");
    }
    std::vector<KeystoreEntry> entries = as_java_map(std::move(body.entries), warnings, name);
    for (const auto& e : entries)
        if (!e.note.empty()) warnings.push_back(name + ": entry '" + e.alias + "': " + e.note);
    Keystore ks(body.type, name, std::move(entries));
    for (auto& w : warnings) ks.add_warning(std::move(w));
    return ks;
}

std::optional<SecureBytes> recover_jks_key(ByteView encrypted_private_key_info, const Password& key_password) {
    const EncryptedKeyInfo info = decode_encrypted_key_info(encrypted_private_key_info);
    if (info.algorithm.get_oid().to_string() != sun_jks_key_oid)
        fail_input("key is not protected with the JKS scheme (" + info.algorithm.get_oid().to_string() + ")");
    constexpr size_t salt_len = 20, check_len = 20;
    if (info.data.size() < salt_len + check_len) fail_input("JKS protected key is too short");

    const SecureBytes pw = key_password.utf16be();
    const uint8_t* salt = info.data.data();
    const uint8_t* enc = salt + salt_len;
    const size_t enc_len = info.data.size() - salt_len - check_len;
    const uint8_t* check = enc + enc_len;

    // Keystream: d1 = SHA1(pw || salt), d(i) = SHA1(pw || d(i-1)).
    auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
    SecureBytes plain(enc_len);
    SecureBytes digest(salt, salt + salt_len);
    for (size_t off = 0; off < enc_len; off += digest.size()) {
        sha1->update(pw);
        sha1->update(digest);
        digest = sha1->final();
        const size_t n = std::min(digest.size(), enc_len - off);
        for (size_t k = 0; k < n; ++k) plain[off + k] = static_cast<uint8_t>(enc[off + k] ^ digest[k]);
    }
    sha1->update(pw);
    sha1->update(plain);
    const SecureBytes computed = sha1->final();
    if (!Botan::constant_time_compare(computed.data(), check, check_len)) return std::nullopt;
    return plain;
}

std::optional<SecureBytes> recover_jceks_key(ByteView encrypted_private_key_info, const Password& key_password) {
    const EncryptedKeyInfo info = decode_encrypted_key_info(encrypted_private_key_info);
    if (info.algorithm.get_oid().to_string() != jceks_key_oid)
        fail_input("key is not protected with PBEWithMD5AndTripleDES (" + info.algorithm.get_oid().to_string() + ")");

    const JceksPbeParams params = decode_jceks_pbe_params(info.algorithm.get_parameters());
    // Java turns each password char into one byte (its low 8 bits).
    const auto plain = jceks_pbe_decrypt(key_password.low_bytes(), params, info.data);
    if (!plain || !looks_like_der_sequence(*plain)) return std::nullopt;
    return plain;
}

}  // namespace ksc::detail
