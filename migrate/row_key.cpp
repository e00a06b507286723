// The row-key codec: typed JSON, so a key read back from the journal binds exactly
// as the scanner read it.
#include "ksc/row_key.hpp"

#include "ksc/error.hpp"

#include <nlohmann/json.hpp>

namespace ksc {
namespace {

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string unhex(const std::string& s) {
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        fail_input("row key: bad hex digit");
    };
    if (s.size() % 2) fail_input("row key: odd-length hex");
    std::string out;
    for (size_t i = 0; i < s.size(); i += 2) out += static_cast<char>(nibble(s[i]) * 16 + nibble(s[i + 1]));
    return out;
}

}  // namespace

std::string encode_row_key(const std::vector<SqlValue>& key) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& v : key) {
        switch (v.type) {
            case SqlValue::Type::null: a.push_back(nullptr); break;
            case SqlValue::Type::integer: a.push_back({{"i", v.i}}); break;
            case SqlValue::Type::real: a.push_back({{"r", v.d}}); break;
            case SqlValue::Type::blob: a.push_back({{"b", hex(v.bytes)}}); break;
            case SqlValue::Type::text: {
                // TEXT that is not valid UTF-8 cannot be a JSON string: keep its bytes as hex.
                nlohmann::json s = v.bytes;
                try {
                    (void)s.dump();
                    a.push_back({{"t", v.bytes}});
                } catch (const nlohmann::json::type_error&) {
                    a.push_back({{"th", hex(v.bytes)}});
                }
                break;
            }
        }
    }
    return a.dump();
}

std::vector<SqlValue> decode_row_key(std::string_view text) {
    nlohmann::json a;
    try {
        a = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
        fail_input("row key is not valid JSON");
    }
    if (!a.is_array()) fail_input("row key is not a JSON array");
    std::vector<SqlValue> out;
    for (const auto& e : a) {
        if (e.is_null()) {
            out.emplace_back();
            continue;
        }
        if (!e.is_object() || e.size() != 1) fail_input("row key part is not a typed value");
        const auto it = e.begin();
        const std::string& tag = it.key();
        const nlohmann::json& v = it.value();
        SqlValue x;
        if (tag == "i" && v.is_number_integer()) {
            x = SqlValue::integer(v.get<int64_t>());
        } else if (tag == "r" && v.is_number()) {
            x.type = SqlValue::Type::real;
            x.d = v.get<double>();
        } else if (tag == "t" && v.is_string()) {
            x = SqlValue::text(v.get<std::string>());
        } else if (tag == "th" && v.is_string()) {
            x = SqlValue::text(unhex(v.get<std::string>()));
        } else if (tag == "b" && v.is_string()) {
            x = SqlValue::blob(unhex(v.get<std::string>()));
        } else {
            fail_input("row key part has an unknown type tag");
        }
        out.push_back(std::move(x));
    }
    return out;
}

}  // namespace ksc
