// One AES value in, its plaintext out, with the keys an operator has (kscipher decrypt):
// [encryption] key and old_key, an explicit key, or a keystore's secret key.
#pragma once
#include "ksc/aes_key.hpp"
#include "ksc/bytes.hpp"
#include "ksc/ciphertext.hpp"

#include <string>
#include <vector>

namespace ksc {

// Opens a format 3, format 4 or raw_aes value with the first of `keys` it opens under,
// trying first the key its keyId names (Carbon picks key or old_key so). Failures are
// ErrorKind::input naming `what` and the keys tried (origins and keyIds), never the value.
SecureBytes decrypt_symmetric(const ParsedCiphertext& value, const std::vector<AesKey>& keys, const std::string& what);

}  // namespace ksc
