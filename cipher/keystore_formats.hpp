// Internal: the per-format readers behind Keystore::parse and Keystore::private_key.
#pragma once
#include "ksc/keystore.hpp"
#include "secret_key_info.hpp"

#include <optional>

namespace ksc::detail {

// jks.cpp: JKS (0xFEEDFEED) and JCEKS (0xCECECECE) share the container.
Keystore parse_jks_family(ByteView bytes, const Password& store_password, const std::string& name);
// nullopt: the key password is wrong (or the entry is damaged); the caller names the alias.
std::optional<SecureBytes> recover_jks_key(ByteView encrypted_private_key_info, const Password& key_password);
std::optional<SecureBytes> recover_jceks_key(ByteView encrypted_private_key_info, const Password& key_password);

// pkcs12.cpp
Keystore parse_pkcs12(ByteView bytes, const Password& store_password, const std::string& name);
// A secret key of a PKCS#12 secretBag (its DER EncryptedPrivateKeyInfo) opened with `password`.
// nullopt, or an ErrorKind::input saying the decryption failed: the password is wrong.
std::optional<SecretKeyValue> open_pkcs12_secret_key(ByteView encrypted_key_info, const Password& password);

}  // namespace ksc::detail
