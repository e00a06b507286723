// Internal: JCEKS secret-key entries (tag 3). JceKeyStore stores each as a serialized
// com.sun.crypto.provider.SealedObjectForKeyProtector (a javax.crypto.SealedObject): the
// serialized key, encrypted with PBEWithMD5AndTripleDES under the key password. The key
// inside is a javax.crypto.spec.SecretKeySpec, or a java.security.KeyRep for provider key
// classes that replace themselves when serialized (DESede keys).
#pragma once
#include "java_serial.hpp"
#include "ksc/password.hpp"
#include "secret_key_info.hpp"

#include <optional>
#include <string>

namespace ksc::detail {

// Why Java's loader would refuse this sealed object, if it would. JceKeyStore reads it under
// a filter that admits a SealedObjectForKeyProtector holding byte arrays and strings only;
// anything else fails keytool's load.
std::optional<std::string> sealed_key_refusal(const JavaStream& sealed);

// The key inside a sealed object (the serialized stream as stored). nullopt: the key password
// is wrong. Damage and content Java refuses are ErrorKind::input.
std::optional<SecretKeyValue> unseal_jceks_secret_key(ByteView serialized, const Password& key_password);

}  // namespace ksc::detail
