// Detecting, parsing and writing the ciphertext formats (README.md "Ciphertext formats"). Pure
// functions: no keys, no I/O. Every input is treated as hostile.
#include "ksc/ciphertext.hpp"

#include "ksc/text.hpp"

#include <botan/base64.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <optional>

namespace ksc {
namespace {

// Stored values are short (a 4096-bit block is 684 Base64 characters); anything far
// longer is not one of ours and is refused before any decoding work.
constexpr size_t max_text = 64 * 1024;
// The formats are flat objects; deeper nesting is not ours and is not followed.
constexpr size_t max_depth = 8;

// The 6-bit value of a character of the standard alphabet, -1 for any other.
int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Strict Base64 (standard alphabet, padded, no whitespace, canonical): the one spelling
// Java's encoders write. nullopt for anything else, so damage is never "repaired".
std::optional<Bytes> strict_base64(std::string_view s) {
    if (s.empty() || s.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    if (s.back() == '=') pad = s[s.size() - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < s.size() - pad; ++i)
        if (base64_value(s[i]) < 0) return std::nullopt;
    // The unused low bits of the last character before the padding (2 with one '=', 4
    // with two) must be zero, as an encoder writes them; checked here rather than by
    // encoding the result again, which cost as much as the decoding (ksmigrate reads two
    // Base64 layers per value).
    if (pad > 0 && (base64_value(s[s.size() - pad - 1]) & (pad == 1 ? 0x3 : 0xF)) != 0) return std::nullopt;
    try {
        const auto decoded = Botan::base64_decode(s.data(), s.size(), false);
        return Bytes(decoded.begin(), decoded.end());
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// What the detector needs from a JSON document: its top-level string members.
// A SAX handler instead of a DOM so nesting depth is capped and nothing else is kept.
class TopLevelStrings : public nlohmann::json::json_sax_t {
public:
    std::map<std::string, std::string> strings;  // top-level string members
    std::map<std::string, int> seen;             // how often each top-level key occurs
    bool is_object = false;
    bool too_deep = false;

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t) override { return scalar(); }
    bool number_unsigned(number_unsigned_t) override { return scalar(); }
    bool number_float(number_float_t, const string_t&) override { return scalar(); }
    bool binary(binary_t&) override { return scalar(); }
    bool string(string_t& val) override {
        if (depth_ == 1 && in_top_object_) strings[key_] = val;
        return true;
    }
    bool start_object(std::size_t) override { return open(true); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_array() override { return close(); }
    bool key(string_t& val) override {
        if (depth_ == 1) {
            key_ = val;
            ++seen[key_];
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

private:
    bool scalar() {
        // A non-string value for a key drops any earlier string of the same name.
        if (depth_ == 1 && in_top_object_) strings.erase(key_);
        return true;
    }
    bool open(bool object) {
        if (depth_ == 0) {
            is_object = object;
            in_top_object_ = object;
        } else if (depth_ == 1 && in_top_object_) {
            strings.erase(key_);
        }
        if (++depth_ > max_depth) {
            too_deep = true;
            return false;  // stops the parse
        }
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }
    size_t depth_ = 0;
    bool in_top_object_ = false;
    std::string key_;
};

// The decoded bytes as a flat JSON object, or nullopt when they are not one
// (most RSA blocks; about one in 220 starts with '{' and still is not JSON).
struct JsonFields {
    std::map<std::string, std::string> strings;
    std::map<std::string, int> seen;
};

std::optional<JsonFields> json_object(const Bytes& decoded) {
    size_t i = 0;
    while (i < decoded.size() && (decoded[i] == ' ' || decoded[i] == '\t' || decoded[i] == '\r' ||
                                  decoded[i] == '\n'))
        ++i;
    if (i == decoded.size() || decoded[i] != '{') return std::nullopt;
    TopLevelStrings sax;
    bool ok = false;
    try {
        ok = nlohmann::json::sax_parse(decoded.begin(), decoded.end(), &sax);
    } catch (const std::exception&) {
        ok = false;
    }
    if (!ok || !sax.is_object || sax.too_deep) return std::nullopt;
    return JsonFields{std::move(sax.strings), std::move(sax.seen)};
}

ParsedCiphertext not_ciphertext(std::string reason) {
    ParsedCiphertext p;
    p.format = CiphertextFormat::not_ciphertext;
    p.reason = std::move(reason);
    return p;
}

bool plausible_block_length(size_t n, size_t modulus_bytes) {
    if (modulus_bytes != 0) return n == modulus_bytes;
    return n >= 64 && n <= 1024 && n % 8 == 0;
}

// A JSON string field as Base64 bytes; `what` names the damage when it is not.
std::optional<Bytes> base64_field(const std::map<std::string, std::string>& strings, const char* name) {
    auto it = strings.find(name);
    if (it == strings.end()) return std::nullopt;
    return strict_base64(it->second);
}

// A symmetric value keeps its format when its parts are damaged: the reason says what.
ParsedCiphertext damaged(CiphertextFormat f, std::string transformation, std::string reason) {
    ParsedCiphertext p;
    p.format = f;
    p.transformation = std::move(transformation);
    p.reason = std::move(reason);
    return p;
}

// Format 3: the outer "c" is Base64 of the inner JSON {"cipher","initializationVector"[,"keyId"]}.
ParsedCiphertext symmetric_carbon(const JsonFields& outer, const std::string& c, const std::string& t) {
    constexpr auto f = CiphertextFormat::symmetric_carbon;
    const auto inner_bytes = strict_base64(c);
    if (!inner_bytes) return damaged(f, t, "symmetric value whose \"c\" is not Base64");
    const auto inner = json_object(*inner_bytes);
    if (!inner) return damaged(f, t, "symmetric value whose \"c\" is not a JSON object");
    for (const char* name : {"cipher", "initializationVector", "keyId"})
        if (auto it = inner->seen.find(name); it != inner->seen.end() && it->second > 1)
            return damaged(f, t, std::string("symmetric value with a repeated inner \"") + name + "\" field");
    auto ct = base64_field(inner->strings, "cipher");
    if (!ct) return damaged(f, t, "symmetric value without a Base64 inner \"cipher\"");
    // The inner IV is the one Java uses; the outer one only stands in when the inner is absent.
    auto iv = inner->strings.count("initializationVector") ? base64_field(inner->strings, "initializationVector")
                                                           : base64_field(outer.strings, "iv");
    if (!iv || iv->empty()) return damaged(f, t, "symmetric value without a Base64 initialization vector");
    if (ct->size() < 16) return damaged(f, t, "symmetric value too short to hold a GCM tag");
    ParsedCiphertext p;
    p.format = f;
    p.transformation = t;
    p.iv = std::move(*iv);
    p.aes_ciphertext = std::move(*ct);
    if (auto k = inner->strings.find("keyId"); k != inner->strings.end()) p.key_id = k->second;
    return p;
}

// Format 4: {"cipherText","iv"}.
ParsedCiphertext symmetric_vault(const JsonFields& j) {
    constexpr auto f = CiphertextFormat::symmetric_vault;
    auto ct = base64_field(j.strings, "cipherText");
    auto iv = base64_field(j.strings, "iv");
    if (!ct || !iv || iv->empty()) return damaged(f, {}, "symmetric value whose \"cipherText\" or \"iv\" is not Base64");
    if (ct->size() < 16) return damaged(f, {}, "symmetric value too short to hold a GCM tag");
    ParsedCiphertext p;
    p.format = f;
    p.iv = std::move(*iv);
    p.aes_ciphertext = std::move(*ct);
    return p;
}

// Formats 2, 3 and 4, or nullopt when the object is none of them.
std::optional<ParsedCiphertext> from_json(const JsonFields& j) {
    for (const char* name : {"c", "t", "tp", "cipherText", "iv"})
        if (auto it = j.seen.find(name); it != j.seen.end() && it->second > 1)
            return not_ciphertext(std::string("JSON with a repeated \"") + name + "\" field");
    const auto field = [&](const char* name) -> const std::string* {
        auto it = j.strings.find(name);
        return it == j.strings.end() ? nullptr : &it->second;
    };
    const std::string* c = field("c");
    const std::string* t = field("t");
    if (c && t) {
        if (starts_with_ignore_case(*t, "AES")) return symmetric_carbon(j, *c, *t);
        if (!starts_with_ignore_case(*t, "RSA"))
            return not_ciphertext("JSON with \"c\" and an unknown transformation in \"t\"");
        auto block = strict_base64(*c);
        if (!block) return not_ciphertext("self-contained value whose \"c\" is not Base64");
        ParsedCiphertext p;
        p.transformation = *t;
        p.format = CiphertextFormat::self_contained;
        p.rsa_block = std::move(*block);
        if (const std::string* tp = field("tp")) p.thumbprint = *tp;
        return p;
    }
    if (field("cipherText") && field("iv")) return symmetric_vault(j);
    return std::nullopt;
}

std::string base64_of(std::string_view s) {
    return Botan::base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

std::string to_string(CiphertextFormat f) {
    switch (f) {
        case CiphertextFormat::plain: return "plain";
        case CiphertextFormat::self_contained: return "self-contained";
        case CiphertextFormat::symmetric_carbon: return "symmetric-carbon";
        case CiphertextFormat::symmetric_vault: return "symmetric-vault";
        case CiphertextFormat::not_ciphertext: return "not-ciphertext";
        case CiphertextFormat::raw_aes: return "raw-aes";
    }
    return "not-ciphertext";
}

ParsedCiphertext parse_ciphertext(std::string_view text, size_t modulus_bytes) {
    if (text.empty()) return not_ciphertext("empty value");
    if (text.size() > max_text) return not_ciphertext("longer than 64 KiB");
    auto decoded = strict_base64(text);
    if (!decoded) return not_ciphertext("not Base64");

    // Carbon's own rule: JSON if the bytes parse as JSON, otherwise a raw block.
    // Starting with '{' alone proves nothing (random blocks do, about 1 in 220).
    if (auto j = json_object(*decoded))
        if (auto p = from_json(*j)) return std::move(*p);

    if (!plausible_block_length(decoded->size(), modulus_bytes))
        return not_ciphertext("decoded length " + std::to_string(decoded->size()) +
                              " is not an RSA block" +
                              (modulus_bytes ? " (expected " + std::to_string(modulus_bytes) + ")"
                                             : std::string()));
    ParsedCiphertext p;
    p.format = CiphertextFormat::plain;
    p.rsa_block = std::move(*decoded);
    return p;
}

ParsedCiphertext parse_raw_aes(std::string_view text) {
    if (text.empty()) return not_ciphertext("empty value");
    if (text.size() > max_text) return not_ciphertext("longer than 64 KiB");
    auto decoded = strict_base64(text);
    if (!decoded) return not_ciphertext("not Base64");
    if (decoded->empty() || decoded->size() % 16 != 0)
        return not_ciphertext("decoded length " + std::to_string(decoded->size()) + " is not a whole number of AES blocks");
    ParsedCiphertext p;
    p.format = CiphertextFormat::raw_aes;
    p.transformation = "AES";
    p.aes_ciphertext = std::move(*decoded);
    return p;
}

std::string write_symmetric_carbon(ByteView iv, ByteView ciphertext_and_tag, std::string_view key_id,
                                   std::string_view transformation) {
    // Gson writes fields in declaration order and leaves out null ones.
    std::string inner = "{\"cipher\":" + gson_quote(write_plain(ciphertext_and_tag)) +
                        ",\"initializationVector\":" + gson_quote(write_plain(iv));
    if (!key_id.empty()) inner += ",\"keyId\":" + gson_quote(key_id);
    inner += "}";
    const std::string outer = "{\"c\":" + gson_quote(base64_of(inner)) + ",\"t\":" + gson_quote(transformation) +
                              ",\"iv\":" + gson_quote(write_plain(iv)) + "}";
    return base64_of(outer);
}

std::string write_symmetric_vault(ByteView iv, ByteView ciphertext_and_tag) {
    return base64_of("{\"cipherText\":" + gson_quote(write_plain(ciphertext_and_tag)) + ",\"iv\":" +
                     gson_quote(write_plain(iv)) + "}");
}

std::string write_plain(ByteView rsa_block) { return Botan::base64_encode(rsa_block.data(), rsa_block.size()); }

std::string write_self_contained(ByteView rsa_block, std::string_view transformation,
                                 std::string_view thumbprint_sha1) {
    // Gson writes the CipherHolder fields in declaration order: c, t, tp, tpd.
    return base64_of("{\"c\":" + gson_quote(write_plain(rsa_block)) + ",\"t\":" + gson_quote(transformation) +
                     ",\"tp\":" + gson_quote(thumbprint_sha1) + ",\"tpd\":\"SHA-1\"}");
}

std::string gson_quote(std::string_view s) { return json_quote(s, JsonEscapes{.html_safe = true, .slash = false}); }

std::string json_quote(std::string_view s, JsonEscapes e) {
    // Gson's JsonWriter: control characters as \uXXXX in lowercase hex except the five
    // short forms, quote and backslash; HTML-safe (its default) adds < > & = ' as
    // \u003c ... and U+2028/U+2029 (JavaScript line ends). json-simple adds \/.
    // Everything else, including DEL and other non-ASCII, is kept as is.
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\t': out += "\\t"; continue;
            case '\b': out += "\\b"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\f': out += "\\f"; continue;
            case '/':
                if (e.slash) {
                    out += "\\/";
                    continue;
                }
                break;
            default: break;
        }
        const bool html = c == '<' || c == '>' || c == '&' || c == '=' || c == '\'';
        if (c < 0x20 || (e.html_safe && html)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
            continue;
        }
        // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
        if (e.html_safe && c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
            i += 2;
            continue;
        }
        out += s[i];
    }
    out += '"';
    return out;
}

}  // namespace ksc
