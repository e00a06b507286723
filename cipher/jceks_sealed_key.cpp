#include "jceks_sealed_key.hpp"

#include "jceks_pbe.hpp"
#include "ksc/error.hpp"

namespace ksc::detail {

namespace {

const char* const sealed_for_key_protector = "com.sun.crypto.provider.SealedObjectForKeyProtector";

const SecureBytes& bytes_field(const JavaStream& s, const JavaValue& obj, const char* name, const char* what) {
    const JavaValue* v = s.field(obj, name);
    if (!v || v->kind != JavaValue::Kind::byte_array) fail_input(std::string(what) + " has no " + name);
    return v->bytes;
}

const std::string& string_field(const JavaStream& s, const JavaValue& obj, const char* name, const char* what) {
    const JavaValue* v = s.field(obj, name);
    if (!v || v->kind != JavaValue::Kind::string) fail_input(std::string(what) + " has no " + name);
    return v->text;
}

// The unsealed object, read under the filter Java's SealedObjectForKeyProtector.getKey uses
// (jceks.key.serialFilter's default): SecretKeySpec, KeyRep and its Type enum, nothing else.
SecretKeyValue key_from_stream(const JavaStream& s) {
    for (const std::string& c : s.class_names())
        if (c != "javax.crypto.spec.SecretKeySpec" && c != "java.security.KeyRep" && c != "java.security.KeyRep$Type" &&
            c != "java.lang.Enum" && c != "[B")
            fail_input("the sealed key holds a class Java's key filter refuses (" +
                       (c.empty() ? std::string("a proxy class") : c) + ")");
    const JavaValue& key = s.root();
    if (key.kind != JavaValue::Kind::object) fail_input("the sealed content is not a key object");
    SecretKeyValue v;
    if (key.class_name == "javax.crypto.spec.SecretKeySpec") {
        v.algorithm = string_field(s, key, "algorithm", "SecretKeySpec");
        v.key = bytes_field(s, key, "key", "SecretKeySpec");
    } else if (key.class_name == "java.security.KeyRep") {
        // KeyRep.readResolve makes a SecretKeySpec of SECRET keys in RAW format; Java refuses others.
        const JavaValue* type = s.field(key, "type");
        if (!type || type->kind != JavaValue::Kind::enum_constant || type->text != "SECRET" ||
            string_field(s, key, "format", "KeyRep") != "RAW")
            fail_input("the sealed KeyRep is not a raw secret key");
        v.algorithm = string_field(s, key, "algorithm", "KeyRep");
        v.key = bytes_field(s, key, "encoded", "KeyRep");
    } else {
        fail_input("the sealed content is not a secret key (" + key.class_name + ")");
    }
    if (v.key.empty()) fail_input("the sealed secret key is empty");
    v.bits = java_secret_key_bits(v.algorithm, v.key.size());
    return v;
}

}  // namespace

std::optional<std::string> sealed_key_refusal(const JavaStream& sealed) {
    const auto& names = sealed.class_names();
    if (sealed.root().kind != JavaValue::Kind::object || names.empty() || names.front() != sealed_for_key_protector)
        return std::string("it is not a sealed key (") +
               (names.empty() || names.front().empty() ? std::string("no class") : "class " + names.front()) + ")";
    for (const auto& n : names)
        if (n != sealed_for_key_protector && n != "javax.crypto.SealedObject" && n != "[B")
            return "it holds a class Java's key filter refuses (" + (n.empty() ? "a proxy class" : n) + ")";
    return std::nullopt;
}

std::optional<SecretKeyValue> unseal_jceks_secret_key(ByteView serialized, const Password& key_password) {
    ByteReader r(serialized, "sealed secret key");
    const JavaStream sealed = JavaStream::read(r, "sealed secret key");
    if (auto refused = sealed_key_refusal(sealed)) fail_input("Java refuses this secret key entry: " + *refused);
    const JavaValue& so = sealed.root();
    const std::string& seal_alg = string_field(sealed, so, "sealAlg", "the sealed object");
    if (seal_alg != "PBEWithMD5AndTripleDES")
        fail_input("the secret key is sealed with " + seal_alg + ", not PBEWithMD5AndTripleDES");
    const JceksPbeParams params = decode_jceks_pbe_params(bytes_field(sealed, so, "encodedParams", "the sealed object"));
    const SecureBytes& ciphertext = bytes_field(sealed, so, "encryptedContent", "the sealed object");

    // Java's PBEKey takes printable ASCII only and keeps 7 bits of each char.
    SecureBytes pw = key_password.low_bytes();
    const auto& utf8 = key_password.utf8();
    for (uint8_t c : utf8)
        if (c < 0x20 || c > 0x7E)
            fail_input("the key password is not printable ASCII, which Java requires for a JCEKS secret key");

    const auto plain = jceks_pbe_decrypt(pw, params, ciphertext);
    if (!plain) return std::nullopt;
    // A wrong password passes the padding check about once in 256 tries: the content must
    // then also be a serialization stream, or the password is taken to be wrong.
    if (plain->size() < 4 || (*plain)[0] != 0xAC || (*plain)[1] != 0xED) return std::nullopt;
    ByteReader inner(*plain, "sealed secret key content");
    const JavaStream key = JavaStream::read(inner, "sealed secret key content");
    return key_from_stream(key);
}

}  // namespace ksc::detail
