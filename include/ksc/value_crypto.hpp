// One value in, one value out: encrypting a plaintext to a ciphertext string in
// format 1 or 2, and decrypting any RSA ciphertext string (format detected).
// Used by kscipher's commands and by ksmigrate's re-encryption.
#pragma once
#include "ksc/bytes.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/key_selection.hpp"
#include "ksc/rsa_cipher.hpp"

#include <botan/pk_keys.h>
#include <botan/rng.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ksc {

enum class OutputFormat { plain, self_contained };
OutputFormat parse_output_format(std::string_view name);   // "plain" | "self-contained"

// Encrypts for one certificate, in one format. Build once, use for many values.
class ValueEncryptor {
public:
    ValueEncryptor(const Botan::Public_Key& key, std::string thumbprint_sha1,
                   const Transformation& t, OutputFormat format);
    std::string encrypt(ByteView plaintext, Botan::RandomNumberGenerator& rng) const;
    const Transformation& transformation() const { return t_; }
    OutputFormat format() const { return format_; }

private:
    RsaEncryptor enc_;
    std::string thumbprint_;
    Transformation t_;
    OutputFormat format_;
};

// How a plain value, which names no padding, is decrypted (README.md "Decrypting plain values").
struct PlainDecryption {
    enum class Kind {
        any_padding,  // no transformation given: plain_padding_trials, one private-key operation
        one_padding,  // the given transformation only
        textbook,     // RSA/ECB/NoPadding: Carbon 4.4's textbook RSA, on request only
    };
    Kind kind = Kind::any_padding;
    std::optional<Transformation> transformation;  // one_padding
    std::string name;                              // as given (textbook, one_padding)

    // nullopt or empty: any_padding. Unknown names: ErrorKind::usage (Transformation::parse).
    static PlainDecryption parse(const std::optional<std::string>& jce_name);
    static PlainDecryption only(const Transformation& t) { return {Kind::one_padding, t, t.name}; }
    std::string describe() const;   // for messages: the name, or the paddings tried
};

// Who the decrypting key is, so that a self-contained value that does not open can be
// explained: the certificate it was made for, and which alias of the keystore has it.
struct KeyIdentity {
    std::string thumbprint_sha1;     // of the key's certificate
    std::string keystore;            // the file, for the hint
    std::string alias;               // of the key, for the message (may be empty)
    // The alias whose certificate has this thumbprint, if any (may be empty: not asked).
    std::function<std::optional<std::string>(std::string_view thumbprint)> alias_with_thumbprint;
};

// The identity of a loaded key. The lookup reads the keystore again, with `store_password`
// (which must outlive the result), only when asked: a value that opens costs nothing more.
// It finds private-key entries only (a trusted certificate cannot decrypt).
KeyIdentity key_identity(const LoadedKey& key, const Password& store_password, std::optional<KeystoreType> type);

// A thumbprint from untrusted data is shown only when it looks like one: at most 128
// hex digits and colons. shown_thumbprint: tp itself, or "(unreadable)".
bool looks_like_thumbprint(std::string_view tp);
std::string shown_thumbprint(std::string_view tp);

// Decrypts RSA ciphertext strings with one private key: self-contained values use
// their own "t"; plain values are decrypted as `plain` says. Failures are
// ErrorKind::input with `what` (an alias or row name) and never the value itself;
// with `who`, a self-contained value's error names the certificate it was made for.
SecureBytes decrypt_value(const Botan::Private_Key& key, std::string_view ciphertext, const PlainDecryption& plain,
                          const std::string& what, Botan::RandomNumberGenerator& rng,
                          const KeyIdentity* who = nullptr);
// The same with one transformation for plain values (kept for existing callers).
SecureBytes decrypt_value(const Botan::Private_Key& key, std::string_view ciphertext,
                          const Transformation& plain_transformation, const std::string& what,
                          Botan::RandomNumberGenerator& rng);

}  // namespace ksc
