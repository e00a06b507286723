#include "ksc/value_crypto.hpp"

#include "ksc/error.hpp"

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

SecureBytes decrypt_value(const Botan::Private_Key& key, std::string_view ciphertext,
                          const Transformation& plain_transformation, const std::string& what,
                          Botan::RandomNumberGenerator& rng) {
    // Round up: a 2047-bit modulus still makes 256-byte blocks (as rsa_cipher.cpp counts).
    const size_t modulus_bytes = (key.key_length() + 7) / 8;
    const ParsedCiphertext parsed = parse_ciphertext(ciphertext, modulus_bytes);
    std::optional<Transformation> t;
    switch (parsed.format) {
        case CiphertextFormat::plain: t = plain_transformation; break;
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
            fail_input(what + ": the value is " + to_string(parsed.format) +
                       " (AES) ciphertext; it is not encrypted with an RSA key");
        case CiphertextFormat::not_ciphertext:
            fail_input(what + ": not a ciphertext (" + parsed.reason + ")");
    }
    RsaDecryptor dec(key, t->padding, rng);
    auto plain = dec.try_decrypt(parsed.rsa_block);
    if (!plain)
        fail_input(what + ": does not decrypt with this key and transformation " + t->name,
                   "it may be encrypted for another key, or damaged");
    return std::move(*plain);
}

}  // namespace ksc
