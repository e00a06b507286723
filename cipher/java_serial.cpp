// Java's modified UTF-8 and a bounded reader of the Object Serialization Stream Protocol.
// Every length comes from the file, so every read goes through ByteReader, which refuses
// to run past the end; values live in one arena and refer to each other by index, so a
// stream that references itself cannot make cycles of owners.
#include "java_serial.hpp"

#include "ksc/error.hpp"

namespace ksc::detail {

namespace {

// Java's DataOutputStream.writeUTF writes "modified UTF-8": NUL as C0 80 and
// characters above U+FFFF as two 3-byte surrogates. Turn it into plain UTF-8 so
// aliases compare and print like any other string.
std::string modified_utf8_to_utf8(ByteView in, const std::string& what) {
    std::string out;
    size_t i = 0;
    auto unit3 = [&](size_t at) -> uint32_t {
        return ((in[at] & 0x0Fu) << 12) | ((in[at + 1] & 0x3Fu) << 6) | (in[at + 2] & 0x3Fu);
    };
    while (i < in.size()) {
        const uint8_t b = in[i];
        if (b < 0x80) {
            append_utf8(out, b);
            ++i;
        } else if ((b & 0xE0) == 0xC0 && i + 1 < in.size()) {
            append_utf8(out, ((b & 0x1Fu) << 6) | (in[i + 1] & 0x3Fu));
            i += 2;
        } else if ((b & 0xF0) == 0xE0 && i + 2 < in.size()) {
            uint32_t cp = unit3(i);
            i += 3;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < in.size() && (in[i] & 0xF0) == 0xE0) {
                const uint32_t low = unit3(i);
                if (low >= 0xDC00 && low < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    i += 3;
                }
            }
            append_utf8(out, cp);
        } else {
            fail_input(what + ": malformed string (invalid modified UTF-8)");
        }
    }
    return out;
}

}  // namespace

std::string read_java_utf(ByteReader& r, const std::string& what) {
    const uint16_t len = r.u16();
    return modified_utf8_to_utf8(r.take(len), what);
}

const JavaValue* JavaStream::field(const JavaValue& obj, std::string_view name) const {
    for (const auto& [n, index] : obj.fields)
        if (n == name) return &values_.at(index);
    return nullptr;
}

class JavaStreamReader {
public:
    JavaStreamReader(ByteReader& r, JavaStream& s, const std::string& what) : r_(r), s_(s), what_(what) {}

    void read() {
        if (r_.u16() != 0xACED || r_.u16() != 0x0005) bad("not a Java serialization stream");
        s_.root_ = content(0);
    }

private:
    enum : uint8_t {
        TC_NULL = 0x70, TC_REFERENCE = 0x71, TC_CLASSDESC = 0x72, TC_OBJECT = 0x73,
        TC_STRING = 0x74, TC_ARRAY = 0x75, TC_CLASS = 0x76, TC_BLOCKDATA = 0x77,
        TC_ENDBLOCKDATA = 0x78, TC_RESET = 0x79, TC_BLOCKDATALONG = 0x7A,
        TC_LONGSTRING = 0x7C, TC_PROXYCLASSDESC = 0x7D, TC_ENUM = 0x7E,
    };
    enum : uint8_t { SC_WRITE_METHOD = 0x01, SC_SERIALIZABLE = 0x02, SC_EXTERNALIZABLE = 0x04, SC_BLOCK_DATA = 0x08 };
    static constexpr uint32_t base_handle = 0x7E0000;
    static constexpr int max_depth = 64;
    // A sealed key holds fewer than ten values; this bounds memory for hostile streams.
    static constexpr size_t max_values = 10'000;

    struct Field {
        char code;
        std::string name;
    };
    struct ClassDesc {
        std::string name;
        uint8_t flags = 0;
        std::vector<Field> fields;  // in stream order
        int super = -1;             // index into descs_, -1 for none
    };
    struct Handle {
        bool is_class;
        size_t index;  // into descs_ or into the stream's values
    };

    [[noreturn]] void bad(const std::string& why) const {
        fail_input(what_ + ": malformed Java serialization (" + why + ")");
    }

    size_t new_value(JavaValue v) {
        if (s_.values_.size() > max_values) bad("too many objects");
        s_.values_.push_back(std::move(v));
        return s_.values_.size() - 1;
    }

    uint8_t peek() const {
        ByteReader copy = r_;
        return copy.u8();
    }

    const Handle& resolve_reference() {
        const uint32_t h = r_.u32();
        if (h < base_handle || h - base_handle >= handles_.size()) bad("dangling reference");
        return handles_[h - base_handle];
    }

    // The class descriptor index, or -1 for null.
    int class_desc(int depth) {
        if (depth > max_depth) bad("nested too deeply");
        const uint8_t tc = r_.u8();
        switch (tc) {
            case TC_NULL: return -1;
            case TC_REFERENCE: {
                const Handle h = resolve_reference();
                if (!h.is_class) bad("reference to a non-class where a class was expected");
                return static_cast<int>(h.index);
            }
            case TC_CLASSDESC: {
                ClassDesc cd;
                cd.name = read_java_utf(r_, what_ + ": class name");
                r_.u64();  // serialVersionUID
                const size_t index = descs_.size();
                descs_.emplace_back();
                handles_.push_back({true, index});
                s_.class_names_.push_back(cd.name);
                cd.flags = r_.u8();
                const uint16_t nfields = r_.u16();
                for (uint16_t i = 0; i < nfields; ++i) {
                    Field f{static_cast<char>(r_.u8()), read_java_utf(r_, what_ + ": field name")};
                    if (f.code == 'L' || f.code == '[') {
                        content(depth + 1);  // the field's class name, a string
                    } else if (std::string_view("BCDFIJSZ").find(f.code) == std::string_view::npos) {
                        bad("unknown field type");
                    }
                    cd.fields.push_back(std::move(f));
                }
                annotation(depth);
                cd.super = class_desc(depth + 1);
                descs_[index] = std::move(cd);
                return static_cast<int>(index);
            }
            case TC_PROXYCLASSDESC: {
                const size_t index = descs_.size();
                descs_.emplace_back();
                handles_.push_back({true, index});
                s_.class_names_.emplace_back();
                const uint32_t n = r_.u32();
                for (uint32_t i = 0; i < n; ++i) read_java_utf(r_, what_ + ": interface name");
                annotation(depth);
                const int super = class_desc(depth + 1);
                descs_[index].flags = SC_SERIALIZABLE;
                descs_[index].super = super;
                return static_cast<int>(index);
            }
            default: bad("expected a class descriptor");
        }
    }

    // Block data and objects up to TC_ENDBLOCKDATA.
    void annotation(int depth) {
        if (depth > max_depth) bad("nested too deeply");
        while (peek() != TC_ENDBLOCKDATA) content(depth + 1);
        r_.u8();
    }

    void skip_primitive(char code) {
        switch (code) {
            case 'B': case 'Z': r_.take(1); break;
            case 'C': case 'S': r_.take(2); break;
            case 'I': case 'F': r_.take(4); break;
            default: r_.take(8); break;  // 'J', 'D'
        }
    }

    void object_data(int desc, size_t object, int depth) {
        // Class data is written from the topmost superclass down.
        std::vector<int> chain;
        for (int d = desc; d >= 0; d = descs_[static_cast<size_t>(d)].super) {
            if (chain.size() > static_cast<size_t>(max_depth)) bad("class hierarchy too deep");
            chain.push_back(d);
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            // Copies: descs_ grows (and moves) while the field values are read.
            const uint8_t flags = descs_[static_cast<size_t>(*it)].flags;
            const std::vector<Field> fields = descs_[static_cast<size_t>(*it)].fields;
            if (flags & SC_EXTERNALIZABLE) {
                if (!(flags & SC_BLOCK_DATA)) bad("old-style externalizable data");
                annotation(depth);
                continue;
            }
            for (const Field& f : fields) {
                if (f.code != 'L' && f.code != '[') {
                    skip_primitive(f.code);
                    continue;
                }
                const size_t v = content(depth + 1);
                s_.values_[object].fields.emplace_back(f.name, v);
            }
            if (flags & SC_WRITE_METHOD) annotation(depth);
        }
    }

    size_t array(int depth) {
        const int d = class_desc(depth);
        if (d < 0) bad("array without a class");
        const std::string name = descs_[static_cast<size_t>(d)].name;
        if (name.size() < 2 || name[0] != '[') bad("array class is not an array");
        JavaValue v;
        v.kind = name == "[B" ? JavaValue::Kind::byte_array : JavaValue::Kind::other_array;
        v.class_name = name;
        const size_t index = new_value(std::move(v));
        handles_.push_back({false, index});
        const uint32_t n = r_.u32();
        size_t size = 0;
        switch (name[1]) {
            case 'B': case 'Z': size = 1; break;
            case 'C': case 'S': size = 2; break;
            case 'I': case 'F': size = 4; break;
            case 'J': case 'D': size = 8; break;
            case 'L': case '[':
                // Each element takes at least one byte, so the input's end bounds the loop.
                for (uint32_t i = 0; i < n; ++i) content(depth + 1);
                return index;
            default: bad("unknown array element type");
        }
        if (static_cast<uint64_t>(n) * size > r_.remaining()) bad("array longer than the data");
        const ByteView data = r_.take(n * size);
        if (name == "[B") s_.values_[index].bytes.assign(data.begin(), data.end());
        return index;
    }

    // One content item; returns its value index (0 for null and for what holds no value).
    size_t content(int depth) {
        if (depth > max_depth) bad("nested too deeply");
        switch (peek()) {
            case TC_NULL: r_.u8(); return 0;
            case TC_REFERENCE: {
                r_.u8();
                const Handle h = resolve_reference();
                return h.is_class ? 0 : h.index;
            }
            case TC_CLASSDESC:
            case TC_PROXYCLASSDESC: class_desc(depth); return 0;
            case TC_STRING:
            case TC_LONGSTRING: {
                JavaValue v;
                v.kind = JavaValue::Kind::string;
                if (r_.u8() == TC_STRING) {
                    v.text = read_java_utf(r_, what_ + ": string");
                } else {
                    const uint64_t n = r_.u64();
                    if (n > r_.remaining()) bad("string longer than the data");
                    v.text = modified_utf8_to_utf8(r_.take(static_cast<size_t>(n)), what_ + ": string");
                }
                const size_t index = new_value(std::move(v));
                handles_.push_back({false, index});
                return index;
            }
            case TC_BLOCKDATA: r_.u8(); r_.take(r_.u8()); return 0;
            case TC_BLOCKDATALONG: r_.u8(); r_.take(r_.u32()); return 0;
            case TC_RESET: r_.u8(); handles_.clear(); return 0;
            case TC_CLASS: {
                r_.u8();
                const int d = class_desc(depth);
                JavaValue v;
                v.kind = JavaValue::Kind::class_object;
                if (d >= 0) v.class_name = descs_[static_cast<size_t>(d)].name;
                const size_t index = new_value(std::move(v));
                handles_.push_back({false, index});
                return index;
            }
            case TC_ENUM: {
                r_.u8();
                const int d = class_desc(depth);
                JavaValue v;
                v.kind = JavaValue::Kind::enum_constant;
                if (d >= 0) v.class_name = descs_[static_cast<size_t>(d)].name;
                const size_t index = new_value(std::move(v));
                handles_.push_back({false, index});
                const size_t name = content(depth + 1);  // the constant's name, a string
                if (s_.values_[name].kind != JavaValue::Kind::string) bad("enum constant without a name");
                s_.values_[index].text = s_.values_[name].text;
                return index;
            }
            case TC_OBJECT: {
                r_.u8();
                const int d = class_desc(depth);
                if (d < 0) bad("object without a class");
                JavaValue v;
                v.kind = JavaValue::Kind::object;
                v.class_name = descs_[static_cast<size_t>(d)].name;
                const size_t index = new_value(std::move(v));
                handles_.push_back({false, index});
                object_data(d, index, depth);
                return index;
            }
            case TC_ARRAY: r_.u8(); return array(depth);
            default: bad("unexpected type code");
        }
    }

    ByteReader& r_;
    JavaStream& s_;
    const std::string& what_;
    std::vector<ClassDesc> descs_;
    std::vector<Handle> handles_;
};

JavaStream JavaStream::read(ByteReader& r, const std::string& what) {
    JavaStream s;
    JavaStreamReader(r, s, what).read();
    return s;
}

}  // namespace ksc::detail
