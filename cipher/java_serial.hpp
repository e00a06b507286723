// Internal: Java data formats that JKS/JCEKS embed. Modified UTF-8 (DataOutputStream.writeUTF)
// for aliases and class names, and the Object Serialization Stream Protocol (chapter 6 of
// its specification) for JCEKS secret keys, which are stored as a serialized SealedObject
// whose length is written nowhere and whose sealed content is itself a serialized key.
#pragma once
#include "ksc/bytes.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksc::detail {

// A u16 length and that many bytes of modified UTF-8, as plain UTF-8. Malformed input is
// ErrorKind::input naming `what`.
std::string read_java_utf(ByteReader& r, const std::string& what);

// One value of a serialized stream. Only what the key formats need is kept: strings,
// byte arrays, enum constants and the reference-typed fields of objects; primitive
// fields and other arrays are read and dropped.
struct JavaValue {
    enum class Kind { null, object, string, byte_array, other_array, enum_constant, class_object };
    Kind kind = Kind::null;
    std::string class_name;  // object, array, enum: its class (objects: the most derived)
    std::string text;        // string contents; enum constant name
    SecureBytes bytes;       // byte[] contents (may be key material)
    std::vector<std::pair<std::string, size_t>> fields;  // object fields: name -> index in values()
};

class JavaStream {
public:
    // Reads the stream header and exactly one content item (an object, normally) from `r`,
    // leaving `r` just after it. Malformed or hostile input (dangling references, nesting
    // deeper than 64, more than 10,000 values) is ErrorKind::input "<what>: malformed Java
    // serialization (...)".
    static JavaStream read(ByteReader& r, const std::string& what);

    const JavaValue& root() const { return values_[root_]; }
    const JavaValue& value(size_t index) const { return values_.at(index); }
    // The field `name` of object `obj`, or nullptr when it has none.
    const JavaValue* field(const JavaValue& obj, std::string_view name) const;
    // Every class described in the stream, in stream order ("" for a proxy class).
    const std::vector<std::string>& class_names() const { return class_names_; }

private:
    friend class JavaStreamReader;
    std::vector<JavaValue> values_{JavaValue{}};  // index 0: null
    size_t root_ = 0;
    std::vector<std::string> class_names_;
};

}  // namespace ksc::detail
