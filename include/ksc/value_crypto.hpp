// One value in, one value out: encrypting a plaintext to a ciphertext string in
// format 1 or 2, and decrypting any RSA ciphertext string (format detected).
// Used by kscipher's commands and by ksmigrate's re-encryption.
#pragma once
#include "ksc/bytes.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/rsa_cipher.hpp"

#include <botan/pk_keys.h>
#include <botan/rng.h>

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

// Decrypts RSA ciphertext strings with one private key: self-contained values use
// their own "t"; plain values use `plain_transformation`. Failures are
// ErrorKind::input with `what` (an alias or row name) and never the value itself.
SecureBytes decrypt_value(const Botan::Private_Key& key, std::string_view ciphertext,
                          const Transformation& plain_transformation, const std::string& what,
                          Botan::RandomNumberGenerator& rng);

}  // namespace ksc
