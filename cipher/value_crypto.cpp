#include "ksc/value_crypto.hpp"

#include "ksc/error.hpp"
#include "ksc/text.hpp"

#include <algorithm>
#include <cctype>

namespace ksc {

OutputFormat parse_output_format(std::string_view name) {
    if (name == "plain") return OutputFormat::plain;
    if (name == "self-contained") return OutputFormat::self_contained;
    fail_usage("unknown --format '" + std::string(name) + "'", "use --format plain or --format self-contained");
}

ValueEncryptor::ValueEncryptor(const Botan::Public_Key& key, std::string thumbprint_sha1,
                               const Transformation& t, OutputFormat format)
    : enc_(key, t), thumbprint_(std::move(thumbprint_sha1)), t_(t), format_(format) {}

std::string ValueEncryptor::encrypt(ByteView plaintext, Botan::RandomNumberGenerator& rng) const {
    const Bytes block = enc_.encrypt(plaintext, rng);
    return format_ == OutputFormat::plain ? write_plain(block)
                                          : write_self_contained(block, t_.name, thumbprint_);
}

PlainDecryption PlainDecryption::parse(const std::optional<std::string>& jce_name) {
    if (!jce_name || jce_name->empty()) return {};
    if (is_textbook_rsa(*jce_name)) return {Kind::textbook, std::nullopt, *jce_name};
    return only(Transformation::parse(*jce_name));
}

std::string PlainDecryption::describe() const {
    if (kind != Kind::any_padding) return name;
    return "OAEP-SHA1, OAEP-SHA256 or PKCS#1 v1.5 padding";
}

bool looks_like_thumbprint(std::string_view tp) {
    return !tp.empty() && tp.size() <= 128 && std::all_of(tp.begin(), tp.end(), [](char ch) {
        return std::isxdigit(static_cast<unsigned char>(ch)) != 0 || ch == ':';
    });
}

std::string shown_thumbprint(std::string_view tp) {
    return looks_like_thumbprint(tp) ? std::string(tp) : std::string("(unreadable)");
}

namespace {

// A self-contained value that did not open. Carbon never looks at "tp", so a value made
// for a renewed certificate of the same key pair still opens: the thumbprint is only
// consulted here, to tell the operator which key the value needs.
[[noreturn]] void fail_self_contained(const ParsedCiphertext& parsed, const Transformation& t,
                                      const std::string& what, const KeyIdentity* who) {
    const std::string tp = shown_thumbprint(parsed.thumbprint);
    if (!who || parsed.thumbprint.empty())
        fail_input(what + ": does not decrypt with this key and transformation " + t.name +
                       (parsed.thumbprint.empty() ? "" : "; it was made for the certificate with thumbprint " + tp),
                   "it may be encrypted for another key, or damaged");
    if (equals_ignore_case(parsed.thumbprint, who->thumbprint_sha1))
        fail_input(what + ": made for this key's certificate (thumbprint " + tp + ") but does not decrypt with " +
                       t.name,
                   "the value is damaged, or the keystore's private key does not belong to its certificate");
    std::optional<std::string> alias;
    // The lookup reads the keystore again; if that fails, the error is still about the value.
    try {
        if (who->alias_with_thumbprint) alias = who->alias_with_thumbprint(parsed.thumbprint);
    } catch (const Error&) {
    }
    fail_input(what + ": made for the certificate with thumbprint " + tp + ", not for " +
                   (who->alias.empty() ? std::string("this key") : "alias '" + who->alias + "'") + " (thumbprint " +
                   who->thumbprint_sha1 + ")",
               alias ? "alias '" + *alias + "' in " + who->keystore + " has that certificate: use --alias " + *alias
                     : "no entry of " + who->keystore +
                           " has that certificate; decrypt with the keystore that does (kscipher inspect "
                           "shows each entry's thumbprint)");
}

}  // namespace

KeyIdentity key_identity(const LoadedKey& key, const Password& store_password, std::optional<KeystoreType> type) {
    KeyIdentity who{key.facts.thumbprint_sha1, key.file.string(), key.alias, {}};
    who.alias_with_thumbprint = [file = key.file, &store_password, type](std::string_view tp) -> std::optional<std::string> {
        const Keystore ks = Keystore::load(file, store_password, type);
        for (const KeystoreEntry& e : ks.entries())
            if (e.kind == EntryKind::private_key && !e.chain.empty() &&
                equals_ignore_case(describe_certificate(e.chain.front()).thumbprint_sha1, tp))
                return e.alias;
        return std::nullopt;
    };
    return who;
}

SecureBytes decrypt_value(const Botan::Private_Key& key, std::string_view ciphertext, const PlainDecryption& plain,
                          const std::string& what, Botan::RandomNumberGenerator& rng, const KeyIdentity* who) {
    // Round up: a 2047-bit modulus still makes 256-byte blocks (as rsa_cipher.cpp counts).
    const size_t modulus_bytes = (key.key_length() + 7) / 8;
    const ParsedCiphertext parsed = parse_ciphertext(ciphertext, modulus_bytes);
    std::optional<Transformation> t;
    switch (parsed.format) {
        case CiphertextFormat::plain: break;
        case CiphertextFormat::self_contained:
            // A transformation stored in the value is data, not a command-line option:
            // an unknown one is bad input, not a usage error.
            try {
                t = Transformation::parse(parsed.transformation);
            } catch (const Error&) {
                fail_input(what + ": names a transformation this tool does not know");
            }
            break;
        case CiphertextFormat::symmetric_carbon:
        case CiphertextFormat::symmetric_vault:
        case CiphertextFormat::raw_aes:
            fail_input(what + ": the value is " + to_string(parsed.format) +
                       " (AES) ciphertext; it is not encrypted with an RSA key");
        case CiphertextFormat::not_ciphertext:
            fail_input(what + ": not a ciphertext (" + parsed.reason + ")");
    }
    const RsaBlockOpener opener(key, rng);
    // One private-key operation: with the padding known, Botan's decryptor for it; else
    // the raw result, on which every padding is checked.
    if (t) {
        if (auto pt = opener.decrypt(t->padding, parsed.rsa_block)) return std::move(*pt);
        fail_self_contained(parsed, *t, what, who);
    }
    if (plain.kind == PlainDecryption::Kind::one_padding) {
        if (auto pt = opener.decrypt(plain.transformation->padding, parsed.rsa_block)) return std::move(*pt);
    } else if (const std::optional<SecureBytes> opened = opener.open(parsed.rsa_block)) {
        if (plain.kind == PlainDecryption::Kind::textbook) return strip_leading_zeros(*opened);
        if (auto u = opener.unpad_first(*opened)) return std::move(u->plaintext);
    }
    fail_input(what + ": does not decrypt with this key and " + plain.describe(),
               plain.kind == PlainDecryption::Kind::any_padding
                   ? "it may be encrypted for another key, or damaged (Carbon 4.4's textbook RSA values need "
                     "--transformation RSA/ECB/NoPadding)"
                   : "it may be encrypted for another key or with another transformation, or damaged");
}

SecureBytes decrypt_value(const Botan::Private_Key& key, std::string_view ciphertext,
                          const Transformation& plain_transformation, const std::string& what,
                          Botan::RandomNumberGenerator& rng) {
    return decrypt_value(key, ciphertext, PlainDecryption::only(plain_transformation), what, rng);
}

}  // namespace ksc
