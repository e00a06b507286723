// The fuzz targets' logic, header-only so that two binaries share it: the libFuzzer
// mains (fuzz_<target>.cpp) and the doctest replay of tests/fuzz/regressions/ and
// tests/fuzz/corpus/ (tests/unit/test_fuzz_regressions.cpp), which runs without libFuzzer.
//
// Contract of every fuzz_<target>(data, size):
//   - success returns the Outcome "accepted <digest>" (a short summary of the result),
//     a clean rejection (ksc::Error) "rejected <category>"; the libFuzzer mains ignore
//     it, the replay compares it with the line pinned in <folder>/<target>.expected;
//   - any other exception escapes (libFuzzer: uncaught -> abort -> crash report;
//     doctest: the replay test fails). That includes std::bad_alloc: the parsers cap
//     every size a file can ask for, so running out of memory is a bug too;
//   - a broken property (an edit that changed more than the secret values, a
//     round trip that does not come back) calls std::abort().
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/cipher_suite.hpp"
#include "ksc/certificate.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/error.hpp"
#include "ksc/json_values.hpp"
#include "ksc/keystore.hpp"
#include "ksc/password.hpp"
#include "ksc/secrets_editor.hpp"
// Internal readers, to see a sealed secret key's iteration count before opening it.
#include "java_serial.hpp"
#include "jceks_pbe.hpp"

#include <botan/alg_id.h>
#include <botan/ber_dec.h>
#include <botan/hash.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace ksc::fuzz {

// The seed keystores of tests/fuzz/corpus/ were written with this password, so
// mutated inputs reach the integrity, KDF, MAC and decryption code.
inline constexpr std::string_view password = "fuzzpass";

// A failed property: say which, then abort so libFuzzer keeps the input.
[[noreturn]] inline void violated(const char* what) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// What a target made of one input, one line of text as the replay pins it.
using Outcome = std::string;

inline Outcome accepted(const std::string& digest) { return "accepted " + digest; }

inline Outcome rejected(const Error& e) {
    switch (e.kind()) {
        case ErrorKind::usage: return "rejected usage";
        case ErrorKind::input: return "rejected input";
        case ErrorKind::refused: return "rejected refused";
        case ErrorKind::interrupted: return "rejected interrupted";
        default: return "rejected category " + std::to_string(static_cast<int>(e.kind()));
    }
}

// A JCEKS key may legally ask for up to max_pbe_iterations (5 million, Java's own cap)
// rounds of MD5: seconds under ASan, by design and not a bug, but a single flipped
// byte of keytool's 3-byte count (200000) gets there. Such keys are still parsed
// (the reader checks the cap when the file is read) but not decrypted here; counts
// above the cap are kept, the reader refuses them before any work.
inline constexpr size_t jceks_iteration_budget = 200'000;

inline bool too_costly_to_decrypt(const KeystoreEntry& e) {
    if (e.protection != KeyProtection::jceks) return false;
    try {
        Botan::AlgorithmIdentifier alg;
        std::vector<uint8_t> data, salt;
        size_t iterations = 0;
        Botan::BER_Decoder(e.protected_key).start_cons(Botan::SEQUENCE).decode(alg).decode(data, Botan::OCTET_STRING);
        Botan::BER_Decoder(alg.get_parameters()).start_cons(Botan::SEQUENCE).decode(salt, Botan::OCTET_STRING).decode(iterations);
        return iterations > jceks_iteration_budget && iterations <= max_pbe_iterations;
    } catch (const std::exception&) {
        return false;  // malformed: the reader reports it
    }
}

// The same budget for a JCEKS secret key, whose count is inside its serialized SealedObject.
inline bool secret_too_costly_to_open(const KeystoreEntry& e) {
    if (e.protection != KeyProtection::jceks_sealed) return false;
    try {
        ByteReader r(e.protected_key, "fuzz");
        const detail::JavaStream sealed = detail::JavaStream::read(r, "fuzz");
        const detail::JavaValue* params = sealed.field(sealed.root(), "encodedParams");
        return params && detail::decode_jceks_pbe_params(params->bytes).iterations > jceks_iteration_budget;
    } catch (const Error&) {
        return false;  // malformed or over the cap: the reader refuses it before any work
    }
}

// Parses, then recovers every private key (JKS/JCEKS decrypt them only here) and opens
// every secret key. Digest: "<type> <n> entries, <k> keys, <r> recovered", then, when
// there are secret keys, ", <s> secret keys, <o> opened" (a damaged entry, or one too
// costly to decrypt here, is not recovered or opened; the file is still accepted).
inline Outcome parse_keystore(ByteView bytes, KeystoreType declared) {
    const Password pw(password);
    try {
        const Keystore ks = Keystore::parse(bytes, pw, declared, "fuzz.keystore");
        size_t keys = 0, recovered = 0, secrets = 0, opened = 0;
        for (const auto& e : ks.entries()) {
            if (e.kind == EntryKind::secret_key) {
                ++secrets;
                if (secret_too_costly_to_open(e)) continue;
                try {
                    if (ks.secret_key(e.alias, pw).empty()) violated("an opened secret key is empty");
                    if (e.secret_algorithm.empty() || e.secret_bits == 0) violated("an opened secret key has no name or size");
                    ++opened;
                } catch (const Error&) {
                    // a damaged secret key entry is a clean rejection of that entry
                }
                continue;
            }
            if (e.kind != EntryKind::private_key) continue;
            ++keys;
            if (too_costly_to_decrypt(e)) continue;
            try {
                (void)ks.private_key(e.alias, pw);
                ++recovered;
            } catch (const Error&) {
                // a damaged key entry is a clean rejection of that entry
            }
        }
        return accepted(to_string(ks.type()) + " " + std::to_string(ks.entries().size()) + " entries, " +
                        std::to_string(keys) + " keys, " + std::to_string(recovered) + " recovered" +
                        (secrets ? ", " + std::to_string(secrets) + " secret keys, " + std::to_string(opened) + " opened"
                                 : std::string()));
    } catch (const Error& e) {
        return rejected(e);  // the whole file
    }
}

// keystore_jks: the input as-is (integrity check with the fixed password), then the
// same body with its trailing SHA-1 integrity hash recomputed, so that mutations of
// the body get past the check (a fuzzer cannot forge SHA-1) and reach the entry,
// certificate, Java-serialization and key-protection parsers. Outcome: the input's,
// then "; rehashed: " and the other's when the recomputed hash differs.
inline Outcome fuzz_keystore_jks(const uint8_t* data, size_t size) {
    const ByteView input(data, size);
    Outcome outcome = parse_keystore(input, KeystoreType::jks);
    constexpr size_t hash_len = 20;
    if (size < hash_len) return outcome;
    std::vector<uint8_t> fixed(data, data + size);
    auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
    sha1->update(Password(password).utf16be());
    sha1->update("Mighty Aphrodite");
    sha1->update(fixed.data(), size - hash_len);
    sha1->final(fixed.data() + size - hash_len);
    if (!std::equal(fixed.begin(), fixed.end(), data))
        outcome += "; rehashed: " + parse_keystore(fixed, KeystoreType::jceks);
    return outcome;
}

// keystore_pkcs12: the input as a PKCS#12 file with the fixed password: DER check,
// MAC (KDF + HMAC), PBES1/PBES2/RC2 decryption, bags, pairing, PKCS#8 keys. The
// MAC cannot be forged, so the corpus also holds files without MacData
// (openssl -nomac), whose mutations reach everything after the MAC.
inline Outcome fuzz_keystore_pkcs12(const uint8_t* data, size_t size) {
    return parse_keystore(ByteView(data, size), KeystoreType::pkcs12);
}

// ciphertext: detection and decoding of the four formats, with an unknown modulus
// and a 2048-bit one; what is recognised must write back to the same thing.
// Digest: the format detected ("not-ciphertext" included), and the one with the
// 2048-bit modulus after " / 256: " when it differs.
inline CiphertextFormat check_ciphertext(std::string_view text, size_t modulus) {
    const ParsedCiphertext p = parse_ciphertext(text, modulus);
    switch (p.format) {
        case CiphertextFormat::plain:
            if (modulus != 0 && p.rsa_block.size() != modulus) violated("plain block of the wrong length");
            if (write_plain(p.rsa_block) != text) violated("plain value does not write back to itself");
            break;
        case CiphertextFormat::self_contained: {
            const std::string again = write_self_contained(p.rsa_block, p.transformation, p.thumbprint);
            const ParsedCiphertext q = parse_ciphertext(again, modulus);
            if (q.format != CiphertextFormat::self_contained || q.rsa_block != p.rsa_block ||
                q.transformation != p.transformation || q.thumbprint != p.thumbprint)
                violated("self-contained value does not survive write_self_contained + parse");
            break;
        }
        case CiphertextFormat::symmetric_carbon:
        case CiphertextFormat::symmetric_vault: {
            // Damaged parts keep the format and say why; intact ones write back to the same parts.
            if (p.aes_ciphertext.empty() != !p.reason.empty()) violated("symmetric value: parts and reason disagree");
            if (!p.reason.empty()) break;
            const std::string again = p.format == CiphertextFormat::symmetric_vault
                                          ? write_symmetric_vault(p.iv, p.aes_ciphertext)
                                          : write_symmetric_carbon(p.iv, p.aes_ciphertext, p.key_id, p.transformation);
            const ParsedCiphertext q = parse_ciphertext(again, modulus);
            if (q.format != p.format || q.iv != p.iv || q.aes_ciphertext != p.aes_ciphertext || q.key_id != p.key_id ||
                q.transformation != p.transformation)
                violated("symmetric value does not survive its writer + parse");
            break;
        }
        case CiphertextFormat::raw_aes: violated("parse_ciphertext detected raw AES (only parse_raw_aes may)");
        case CiphertextFormat::not_ciphertext:
            if (p.reason.empty()) violated("not_ciphertext without a reason");
            break;
    }
    return p.format;
}

inline Outcome fuzz_ciphertext(const uint8_t* data, size_t size) {
    const std::string_view text = as_text(data, size);
    try {
        const CiphertextFormat any = check_ciphertext(text, 0);
        const CiphertextFormat rsa2048 = check_ciphertext(text, 256);
        return accepted(to_string(any) + (rsa2048 == any ? "" : " / 256: " + to_string(rsa2048)));
    } catch (const Error& e) {
        return rejected(e);
    }
}

// symmetric: the AES parsers. The input as a stored value: detected (format 3's inner JSON,
// format 4) and opened with the fixed key below (hostile IV lengths, short or damaged parts),
// and as legacy raw AES; and as [encryption] key text. What opens must seal and open again;
// a key text is accepted exactly when the lint finds no problem.
// Digest: "<format> <opened|closed|damaged>, raw <opened|closed|no>, key <bits|rejected>".
inline constexpr std::string_view aes_fuzz_key = "fuzz-aes-key-0123456789abcdefgh!";  // 32 raw bytes

inline std::string open_outcome(CipherSuite& suite, const ParsedCiphertext& p) {
    std::optional<Opened> o;
    try {
        o = suite.open(p);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::input) throw;
        return "damaged";
    }
    if (!o) return "closed";
    if (o->sealed_as.format != p.format) violated("opened as another format");
    const std::string again = suite.seal(o->plaintext, o->sealed_as);
    const ParsedCiphertext q = p.format == CiphertextFormat::raw_aes ? parse_raw_aes(again) : parse_ciphertext(again);
    const auto back = suite.open(q);
    if (!back || back->plaintext != o->plaintext) violated("a value we sealed does not open again");
    return "opened";
}

inline Outcome fuzz_symmetric(const uint8_t* data, size_t size) {
    const std::string_view text = as_text(data, size);
    static const AesKey key = parse_aes_key_text(aes_fuzz_key, "fuzz");
    auto suite = make_aes_suite(key, AesReading{true});
    const ParsedCiphertext p = parse_ciphertext(text);
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "x" + std::string&&.
    std::string digest = to_string(p.format);
    if (suite->reads(p.format)) {
        digest += ' ';
        digest += open_outcome(*suite, p);
    }
    // ksmigrate counts a raw AES opening only when it gives text (is_text): well-formed UTF-8,
    // so the replacement-character decoder leaves text alone; printable ASCII is text.
    if (is_text(text) && valid_utf8(text) != text) violated("is_text accepted what valid_utf8 changes");
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; }) && !is_text(text))
        violated("is_text refused printable ASCII");
    const ParsedCiphertext raw = parse_raw_aes(text);
    digest += ", raw ";
    digest += raw.format == CiphertextFormat::raw_aes ? open_outcome(*suite, raw) : std::string("no");
    const std::string_view line = text.substr(0, text.find('\n'));
    const bool clean = aes_key_text_problems(line).empty();
    try {
        const AesKey k = parse_aes_key_text(line, "fuzz key");
        if (!clean) violated("a key text with problems was accepted");
        if (k.id != aes_key_id(k.bytes)) violated("keyId is not the key's");
        digest += ", key ";
        digest += std::to_string(k.bits());
    } catch (const Error& e) {
        if (clean || e.kind() != ErrorKind::input) violated("a clean key text was refused");
        digest += ", key rejected";
    }
    return accepted(digest);
}

// secrets_editor: every [secrets] value is replaced by one fixed string (with
// characters that need escaping); the output must parse, hold the same aliases in
// the same order with exactly the new value, and be byte-identical outside the slots.
// Digest: "<n> secrets".
inline constexpr std::string_view secrets_replacement = "fu\"zz\\\t\xC3\xA9=[x]";

inline Outcome fuzz_secrets_editor(const uint8_t* data, size_t size) {
    const std::string_view text = as_text(data, size);
    std::vector<SecretSlot> before;
    try {
        before = find_secret_slots(text, "deployment.toml");
    } catch (const Error& e) {
        return rejected(e);
    }
    std::vector<SecretReplacement> edits;
    for (const auto& s : before) {
        if (s.begin >= s.end || s.end > text.size()) violated("slot outside the text");
        edits.push_back({s.begin, s.end, std::string(secrets_replacement)});
    }
    std::string out;
    try {
        out = splice_secrets(text, edits).text();
    } catch (const Error&) {
        violated("splice_secrets refused the slots find_secret_slots returned");
    }
    std::vector<SecretSlot> after;
    try {
        after = find_secret_slots(out, "deployment.toml");
    } catch (const Error&) {
        violated("the edited file no longer parses");
    }
    if (after.size() != before.size()) violated("the edit changed the number of secrets");
    size_t in_pos = 0, out_pos = 0;
    for (size_t i = 0; i < before.size(); ++i) {
        if (after[i].alias != before[i].alias) violated("the edit changed an alias");
        if (after[i].value.text() != secrets_replacement) violated("a secret does not read back as the new value");
        if (before[i].begin < in_pos || after[i].begin < out_pos) violated("slots out of order");
        if (text.substr(in_pos, before[i].begin - in_pos) != std::string_view(out).substr(out_pos, after[i].begin - out_pos))
            violated("the edit changed bytes outside the secret values");
        in_pos = before[i].end;
        out_pos = after[i].end;
    }
    if (text.substr(in_pos) != std::string_view(out).substr(out_pos))
        violated("the edit changed bytes after the last secret value");
    return accepted(std::to_string(before.size()) + " secrets");
}

// json_values: the embedded {"encrypted":true,"value":...} objects are found, every
// value replaced by a fixed string; the result must parse again with the same
// number of embedded values, all equal to the new one. Without any, the input
// must come back byte for byte. The new value is Base64 (as every new ciphertext is)
// of JSON full of characters each writer escapes differently: {"c":"fu/z\u003d=\"é<\\"}.
inline constexpr std::string_view json_replacement = "eyJjIjoiZnUvelx1MDAzZD1cIsOpPFxcIn0=";

inline Outcome fuzz_json_values(const uint8_t* data, size_t size) {
    const std::string_view text = as_text(data, size);
    std::vector<std::string> before;
    try {
        before = embedded_values(text);
    } catch (const Error& e) {
        return rejected(e);
    }
    std::string out;
    try {
        out = replace_embedded_values(text, [](const std::string&) { return std::string(json_replacement); });
    } catch (const Error&) {
        violated("replace_embedded_values refused a document embedded_values accepted");
    }
    if (before.empty() && out != text) violated("a document without embedded values was rewritten");
    std::vector<std::string> after;
    try {
        after = embedded_values(out);
    } catch (const Error&) {
        violated("the rewritten document no longer parses");
    }
    if (after.size() != before.size()) violated("the rewrite changed the number of embedded values");
    for (const auto& v : after)
        if (v != json_replacement) violated("an embedded value does not read back as the new value");
    return accepted(std::to_string(before.size()) + " embedded values");
}

}  // namespace ksc::fuzz
