// JKS (Sun "JavaKeyStore") and JCEKS readers: one container, two key protections.
// JKS and JCEKS are big-endian records under a SHA-1 integrity hash keyed by the store
// password; keys are protected by Sun's XOR scheme (JKS) or PBEWithMD5AndTripleDES
// (JCEKS). Every length comes from the file, so every read goes through ByteReader,
// which refuses to run past the end.
#include "keystore_formats.hpp"

#include "ksc/bytes.hpp"
#include "ksc/error.hpp"

#include <botan/alg_id.h>
#include <botan/ber_dec.h>
#include <botan/cipher_mode.h>
#include <botan/hash.h>
#include <botan/mem_ops.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace ksc::detail {

namespace {

constexpr uint32_t jks_magic = 0xFEEDFEED;
constexpr uint32_t jceks_magic = 0xCECECECE;
constexpr size_t integrity_hash_len = 20;  // SHA-1
const char* const sun_jks_key_oid = "1.3.6.1.4.1.42.2.17.1.1";
const char* const jceks_key_oid = "1.3.6.1.4.1.42.2.19.1";
// A certificate chain longer than this is not a real chain.
constexpr uint32_t max_chain_length = 100;

// Java's DataOutputStream.writeUTF writes "modified UTF-8": NUL as C0 80 and
// characters above U+FFFF as two 3-byte surrogates. Turn it into plain UTF-8 so
// aliases compare and print like any other string.
std::string modified_utf8_to_utf8(ByteView in, const std::string& what) {
    std::string out;
    size_t i = 0;
    auto unit3 = [&](size_t at) -> uint32_t {
        return ((in[at] & 0x0Fu) << 12) | ((in[at + 1] & 0x3Fu) << 6) | (in[at + 2] & 0x3Fu);
    };
    auto emit = [&](uint32_t cp) { append_utf8(out, cp); };
    while (i < in.size()) {
        const uint8_t b = in[i];
        if (b < 0x80) {
            emit(b);
            ++i;
        } else if ((b & 0xE0) == 0xC0 && i + 1 < in.size()) {
            emit(((b & 0x1Fu) << 6) | (in[i + 1] & 0x3Fu));
            i += 2;
        } else if ((b & 0xF0) == 0xE0 && i + 2 < in.size()) {
            uint32_t cp = unit3(i);
            i += 3;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < in.size() && (in[i] & 0xF0) == 0xE0) {
                const uint32_t low = unit3(i);
                if (low >= 0xDC00 && low < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    i += 3;
                }
            }
            emit(cp);
        } else {
            fail_input(what + ": malformed string (invalid modified UTF-8)");
        }
    }
    return out;
}

std::string read_utf(ByteReader& r, const std::string& what) {
    const uint16_t len = r.u16();
    return modified_utf8_to_utf8(r.take(len), what);
}

Certificate read_certificate(ByteReader& r, uint32_t version, const std::string& where) {
    if (version == 2) {
        const std::string cert_type = read_utf(r, where);
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

// ---------------------------------------------------------------------------
// JCEKS tag-3 entries hold a Java-serialized SealedObject whose length is written
// nowhere. To step over it we parse just enough of the Java serialization grammar
// (Object Serialization Stream Protocol, chapter 6) to find where it ends; nothing
// of it is decoded or used.
class JavaObjectSkipper {
public:
    explicit JavaObjectSkipper(ByteReader& r) : r_(r) {}

    // Returns why Java would refuse the object, if it would. JceKeyStore reads it under a
    // filter (DeserializationChecker) that admits a SealedObjectForKeyProtector (a
    // SealedObject) holding byte arrays and nothing else; any other class fails keytool's load.
    std::optional<std::string> skip_stream_with_one_object() {
        if (r_.u16() != 0xACED || r_.u16() != 0x0005)
            fail_input("secret key entry is not a Java serialization stream");
        const bool is_object = peek() == TC_OBJECT;
        content(0);
        if (!is_object || descs_.empty() || descs_.front().name != "com.sun.crypto.provider.SealedObjectForKeyProtector")
            return std::string("it is not a sealed key (") +
                   (descs_.empty() || descs_.front().name.empty() ? std::string("no class") : "class " + descs_.front().name) + ")";
        for (const auto& d : descs_)
            if (d.name != "com.sun.crypto.provider.SealedObjectForKeyProtector" && d.name != "javax.crypto.SealedObject" &&
                d.name != "[B")
                return "it holds a class Java's key filter refuses (" + (d.name.empty() ? "a proxy class" : d.name) + ")";
        return std::nullopt;
    }

private:
    enum : uint8_t {
        TC_NULL = 0x70, TC_REFERENCE = 0x71, TC_CLASSDESC = 0x72, TC_OBJECT = 0x73,
        TC_STRING = 0x74, TC_ARRAY = 0x75, TC_CLASS = 0x76, TC_BLOCKDATA = 0x77,
        TC_ENDBLOCKDATA = 0x78, TC_RESET = 0x79, TC_BLOCKDATALONG = 0x7A,
        TC_LONGSTRING = 0x7C, TC_PROXYCLASSDESC = 0x7D, TC_ENUM = 0x7E,
    };
    enum : uint8_t { SC_WRITE_METHOD = 0x01, SC_SERIALIZABLE = 0x02, SC_EXTERNALIZABLE = 0x04, SC_BLOCK_DATA = 0x08 };
    static constexpr uint32_t base_handle = 0x7E0000;
    static constexpr int max_depth = 64;

    struct ClassDesc {
        std::string name;
        uint8_t flags = 0;
        std::string field_types;  // one type code per field, in stream order
        int super = -1;           // index into descs_, -1 for none
    };

    [[noreturn]] static void bad(const std::string& what) {
        fail_input("secret key entry: malformed Java serialization (" + what + ")");
    }

    void new_handle(int desc) { handles_.push_back(desc); }

    int resolve_reference() {
        const uint32_t h = r_.u32();
        if (h < base_handle || h - base_handle >= handles_.size()) bad("dangling reference");
        return handles_[h - base_handle];
    }

    // Returns the class descriptor index (or -1 for null).
    int class_desc(int depth) {
        const uint8_t tc = r_.u8();
        switch (tc) {
            case TC_NULL: return -1;
            case TC_REFERENCE: {
                const int d = resolve_reference();
                if (d < 0) bad("reference to a non-class where a class was expected");
                return d;
            }
            case TC_CLASSDESC: {
                ClassDesc cd;
                cd.name = read_utf(r_, "class name");
                r_.u64();  // serialVersionUID
                const int index = static_cast<int>(descs_.size());
                descs_.emplace_back();
                new_handle(index);
                cd.flags = r_.u8();
                const uint16_t nfields = r_.u16();
                for (uint16_t i = 0; i < nfields; ++i) {
                    const auto code = static_cast<char>(r_.u8());
                    read_utf(r_, "field name");
                    if (code == 'L' || code == '[') {
                        content(depth + 1);  // the field's class name, a string object
                    } else if (std::string_view("BCDFIJSZ").find(code) == std::string_view::npos) {
                        bad("unknown field type");
                    }
                    cd.field_types.push_back(code);
                }
                annotation(depth);
                cd.super = class_desc(depth + 1);
                descs_[static_cast<size_t>(index)] = std::move(cd);
                return index;
            }
            case TC_PROXYCLASSDESC: {
                const int index = static_cast<int>(descs_.size());
                descs_.emplace_back();
                new_handle(index);
                const uint32_t n = r_.u32();
                for (uint32_t i = 0; i < n; ++i) read_utf(r_, "interface name");
                annotation(depth);
                const int super = class_desc(depth + 1);
                descs_[static_cast<size_t>(index)].flags = SC_SERIALIZABLE;
                descs_[static_cast<size_t>(index)].super = super;
                return index;
            }
            default: bad("expected a class descriptor");
        }
    }

    // Block data and objects up to TC_ENDBLOCKDATA.
    void annotation(int depth) {
        if (depth > max_depth) bad("nested too deeply");
        while (true) {
            const uint8_t tc = peek();
            if (tc == TC_ENDBLOCKDATA) {
                r_.u8();
                return;
            }
            content(depth + 1);
        }
    }

    uint8_t peek() {
        ByteReader copy = r_;
        return copy.u8();
    }

    void field_value(char code, int depth) {
        switch (code) {
            case 'B': case 'Z': r_.take(1); break;
            case 'C': case 'S': r_.take(2); break;
            case 'I': case 'F': r_.take(4); break;
            case 'J': case 'D': r_.take(8); break;
            default: content(depth + 1); break;
        }
    }

    void object_data(int desc, int depth) {
        // Class data is written from the topmost superclass down.
        std::vector<int> chain;
        for (int d = desc; d >= 0; d = descs_[static_cast<size_t>(d)].super) {
            if (chain.size() > static_cast<size_t>(max_depth)) bad("class hierarchy too deep");
            chain.push_back(d);
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            // Copies: descs_ grows (and moves) while the field values are read.
            const uint8_t flags = descs_[static_cast<size_t>(*it)].flags;
            const std::string types = descs_[static_cast<size_t>(*it)].field_types;
            if (flags & SC_EXTERNALIZABLE) {
                if (!(flags & SC_BLOCK_DATA)) bad("old-style externalizable data");
                annotation(depth);
                continue;
            }
            for (char code : types) field_value(code, depth);
            if (flags & SC_WRITE_METHOD) annotation(depth);
        }
    }

    void content(int depth) {
        if (depth > max_depth) bad("nested too deeply");
        const uint8_t tc = peek();
        switch (tc) {
            case TC_NULL: r_.u8(); return;
            case TC_REFERENCE: r_.u8(); resolve_reference(); return;
            case TC_CLASSDESC:
            case TC_PROXYCLASSDESC: class_desc(depth); return;
            case TC_STRING: r_.u8(); new_handle(-1); r_.take(r_.u16()); return;
            case TC_LONGSTRING: {
                r_.u8();
                new_handle(-1);
                const uint64_t n = r_.u64();
                if (n > r_.remaining()) bad("string longer than the file");
                r_.take(static_cast<size_t>(n));
                return;
            }
            case TC_BLOCKDATA: r_.u8(); r_.take(r_.u8()); return;
            case TC_BLOCKDATALONG: r_.u8(); r_.take(r_.u32()); return;
            case TC_RESET: r_.u8(); handles_.clear(); return;
            case TC_CLASS: r_.u8(); { const int d = class_desc(depth); new_handle(d); } return;
            case TC_ENUM: {
                r_.u8();
                class_desc(depth);
                new_handle(-1);
                content(depth + 1);  // constant name
                return;
            }
            case TC_OBJECT: {
                r_.u8();
                const int d = class_desc(depth);
                if (d < 0) bad("object without a class");
                new_handle(-1);
                object_data(d, depth);
                return;
            }
            case TC_ARRAY: {
                r_.u8();
                const int d = class_desc(depth);
                if (d < 0) bad("array without a class");
                new_handle(-1);
                const std::string name = descs_[static_cast<size_t>(d)].name;
                if (name.size() < 2 || name[0] != '[') bad("array class is not an array");
                const char elem = name[1];
                const uint32_t n = r_.u32();
                size_t size = 0;
                switch (elem) {
                    case 'B': case 'Z': size = 1; break;
                    case 'C': case 'S': size = 2; break;
                    case 'I': case 'F': size = 4; break;
                    case 'J': case 'D': size = 8; break;
                    case 'L': case '[':
                        // Each element takes at least one byte, so the file's end bounds the loop.
                        for (uint32_t i = 0; i < n; ++i) content(depth + 1);
                        return;
                    default: bad("unknown array element type");
                }
                if (static_cast<uint64_t>(n) * size > r_.remaining()) bad("array longer than the file");
                r_.take(n * size);
                return;
            }
            default: bad("unexpected type code");
        }
    }

    ByteReader& r_;
    std::vector<ClassDesc> descs_;
    std::vector<int> handles_;
};

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

// The JCE "PBEWithMD5AndTripleDES" key and IV (com.sun.crypto.provider.PBES1Core):
// each 4-byte salt half is hashed with the password `iterations` times by MD5; the two
// 16-byte results give the 24-byte DESede key and the 8-byte IV. If both halves are
// equal, the first one is "inverted" first; the loop that does it swaps bytes 0<->3
// and then 1<->2, i.e. reverses the half (JDK 8+; older JCEs had a typo here).
SecureBytes pbe_md5_triple_des_key_iv(const SecureBytes& password_bytes, ByteView salt, uint32_t iterations) {
    std::array<uint8_t, 8> s{};
    std::copy(salt.begin(), salt.end(), s.begin());
    if (std::equal(s.begin(), s.begin() + 4, s.begin() + 4)) std::reverse(s.begin(), s.begin() + 4);
    auto md5 = Botan::HashFunction::create_or_throw("MD5");
    SecureBytes out;
    for (size_t half = 0; half < 2; ++half) {
        SecureBytes h(s.begin() + static_cast<long>(half * 4), s.begin() + static_cast<long>(half * 4 + 4));
        for (uint32_t i = 0; i < iterations; ++i) {
            md5->update(h);
            md5->update(password_bytes);
            h = md5->final();
        }
        out.insert(out.end(), h.begin(), h.end());
    }
    return out;  // 32 bytes: key(24) || iv(8)
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
        e.alias = read_utf(r, name + ": alias of entry " + std::to_string(i + 1));
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
            // Listed, never decoded: the tools have no use for secret keys.
            e.kind = EntryKind::secret_key;
            try {
                if (auto refused = JavaObjectSkipper(r).skip_stream_with_one_object())
                    e.note = "Java refuses this secret key entry: " + *refused + "; keytool cannot open this keystore";
            } catch (const Error& err) {
                fail_input(where + ": " + err.what());
            }
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

    std::vector<uint8_t> salt;
    size_t iterations = 0;
    try {
        const auto& params = info.algorithm.get_parameters();
        Botan::BER_Decoder(params)
            .start_cons(Botan::SEQUENCE)
            .decode(salt, Botan::OCTET_STRING)
            .decode(iterations)
            .end_cons()
            .verify_end();
    } catch (const Botan::Exception&) {
        fail_input("PBEWithMD5AndTripleDES parameters are malformed");
    }
    if (salt.size() != 8) fail_input("PBEWithMD5AndTripleDES salt must be 8 bytes");
    if (iterations < 1 || iterations > max_pbe_iterations)
        fail_input("PBEWithMD5AndTripleDES iteration count " + std::to_string(iterations) + " is outside 1.." +
                   std::to_string(max_pbe_iterations));
    if (info.data.empty() || info.data.size() % 8 != 0) fail_input("PBEWithMD5AndTripleDES ciphertext has a bad length");

    // Java turns each password char into one byte (its low 8 bits).
    const SecureBytes key_iv = pbe_md5_triple_des_key_iv(key_password.low_bytes(), salt, static_cast<uint32_t>(iterations));
    auto cipher = Botan::Cipher_Mode::create_or_throw("TripleDES/CBC/PKCS7", Botan::DECRYPTION);
    cipher->set_key(key_iv.data(), 24);
    SecureBytes plain(info.data.begin(), info.data.end());
    try {
        cipher->start(key_iv.data() + 24, 8);
        cipher->finish(plain);
    } catch (const Botan::Exception&) {
        return std::nullopt;  // bad padding: wrong password
    }
    if (!looks_like_der_sequence(plain)) return std::nullopt;
    return plain;
}

}  // namespace ksc::detail
