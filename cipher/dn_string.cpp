// X.500 names printed the way keytool -list -v prints "Owner:"/"Issuer:"
// (sun.security.x509.X500Name.toString and AVA.toKeywordValueString), so users can
// match our output against what they already see. String values are decoded with the
// charsets of Java's DerValue.getAsString; the result is always valid UTF-8, whatever
// bytes the certificate holds (a TeletexString with Latin-1, a stray 0xFF).
#include "ksc/bytes.hpp"
#include "ksc/certificate.hpp"

#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/hex.h>

#include <map>
#include <optional>
#include <string_view>

namespace ksc {

namespace {

// Java's AVAKeyword table (the keyword Java prints for each attribute OID).
const std::map<std::string, std::string>& java_keywords() {
    static const std::map<std::string, std::string> table = {
        {"2.5.4.3", "CN"},
        {"2.5.4.6", "C"},
        {"2.5.4.7", "L"},
        {"2.5.4.8", "ST"},
        {"2.5.4.10", "O"},
        {"2.5.4.11", "OU"},
        {"2.5.4.12", "T"},
        {"2.5.4.9", "STREET"},
        {"0.9.2342.19200300.100.1.25", "DC"},
        {"2.5.4.46", "DNQUALIFIER"},
        {"2.5.4.4", "SURNAME"},
        {"2.5.4.42", "GIVENNAME"},
        {"2.5.4.43", "INITIALS"},
        {"2.5.4.44", "GENERATION"},
        {"1.2.840.113549.1.9.1", "EMAILADDRESS"},
        {"0.9.2342.19200300.100.1.1", "UID"},
        {"2.5.4.5", "SERIALNUMBER"},
        {"1.3.6.1.4.1.42.2.11.2.1", "IP"},
    };
    return table;
}

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD, what Java's decoders substitute

void append_code_point(std::string& out, uint32_t cp) {
    if ((cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) out += replacement;
    else append_utf8(out, cp);
}

std::string from_ascii(ByteView b) {  // US-ASCII: bytes above 0x7F are not characters
    std::string out;
    for (uint8_t c : b)
        if (c < 0x80) out.push_back(static_cast<char>(c));
        else out += replacement;
    return out;
}

std::string from_latin1(ByteView b) {
    std::string out;
    for (uint8_t c : b) append_code_point(out, c);
    return out;
}

std::string from_utf16be(ByteView b) {
    std::string out;
    for (size_t i = 0; i + 1 < b.size(); i += 2) {
        uint32_t cp = (uint32_t{b[i]} << 8) | b[i + 1];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < b.size()) {
            const uint32_t low = (uint32_t{b[i + 2]} << 8) | b[i + 3];
            if (low >= 0xDC00 && low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 2;
            }
        }
        append_code_point(out, cp);
    }
    if (b.size() % 2) out += replacement;
    return out;
}

std::string from_utf32be(ByteView b) {
    std::string out;
    for (size_t i = 0; i + 3 < b.size(); i += 4)
        append_code_point(out, (uint32_t{b[i]} << 24) | (uint32_t{b[i + 1]} << 16) | (uint32_t{b[i + 2]} << 8) | b[i + 3]);
    if (b.size() % 4) out += replacement;
    return out;
}

}  // namespace

// Each invalid sequence becomes U+FFFD, so the result can go into JSON and terminals.
std::string valid_utf8(std::string_view in) {
    std::string out;
    for (size_t i = 0; i < in.size();) {
        uint32_t cp = 0;
        if (const size_t n = utf8_sequence(in, i, &cp)) {
            out.append(in.substr(i, n));
            i += n;
        } else {
            out += replacement;
            ++i;
        }
    }
    return out;
}

namespace {

// DerValue.getAsString: these seven types are strings; any other type gives none.
std::optional<std::string> java_string_value(uint8_t tag, ByteView content) {
    switch (tag) {
        case 0x0C: return valid_utf8(std::string_view(reinterpret_cast<const char*>(content.data()), content.size()));
        case 0x13: case 0x16: case 0x1B: return from_ascii(content);  // Printable, IA5, General
        case 0x14: return from_latin1(content);                       // T61 (Teletex)
        case 0x1C: return from_utf32be(content);                      // Universal
        case 0x1E: return from_utf16be(content);                      // BMP
        default: return std::nullopt;
    }
}

bool is_printable_string_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
}

// Java's AVA.toKeywordValueString: the whole value goes in double quotes when it
// holds a special character, starts or ends with a space, or has two spaces in a row;
// '"' and '\' are backslash-escaped.
std::string java_quote_value(const std::string& v) {
    static constexpr std::string_view escapees = ",+=\n<>#;\\\"";
    const bool already_quoted = v.size() > 1 && v.front() == '"' && v.back() == '"';
    bool quote = false, previous_white = false;
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (already_quoted && (i == 0 || i == v.size() - 1)) {
            out.push_back(c);
            continue;
        }
        const bool escapee = escapees.find(c) != std::string_view::npos;
        if (is_printable_string_char(c) || escapee) {
            if ((i == 0 && (c == ' ' || c == '\n')) || escapee) quote = true;
            if (c != ' ' && c != '\n') {
                if (c == '"' || c == '\\') out.push_back('\\');
                previous_white = false;
            } else {
                if (previous_white) quote = true;
                previous_white = true;
            }
        } else {
            previous_white = false;
        }
        out.push_back(c);
    }
    if (!out.empty() && (out.back() == ' ' || out.back() == '\n')) quote = true;
    return !already_quoted && quote ? "\"" + out + "\"" : out;
}

std::string attribute_value(const Botan::BER_Object& obj) {
    const ByteView content(obj.bits(), obj.length());
    if (obj.get_class() == Botan::UNIVERSAL)
        if (auto s = java_string_value(static_cast<uint8_t>(obj.type()), content)) return java_quote_value(*s);
    // Not a string type: Java prints '#' and the hex of the DER value.
    std::vector<uint8_t> der;
    Botan::DER_Encoder(der).add_object(obj.type(), obj.get_class(), obj.bits(), obj.length());
    return std::string("#").append(Botan::hex_encode(der, false));
}

}  // namespace

std::string java_dn_string(ByteView raw_dn) {
    std::vector<std::string> rdns;
    try {
        Botan::BER_Decoder dn(raw_dn.data(), raw_dn.size());
        Botan::BER_Decoder seq = dn.start_cons(Botan::SEQUENCE);
        while (seq.more_items()) {
            Botan::BER_Decoder set = seq.start_cons(Botan::SET);
            std::string rdn;
            while (set.more_items()) {
                Botan::OID oid;
                Botan::BER_Decoder ava = set.start_cons(Botan::SEQUENCE);
                ava.decode(oid);
                const Botan::BER_Object value = ava.get_next_object();
                ava.end_cons();
                const auto& kw = java_keywords();
                const auto it = kw.find(oid.to_string());
                if (!rdn.empty()) rdn += " + ";
                rdn += (it != kw.end() ? it->second : "OID." + oid.to_string()) + "=" + attribute_value(value);
            }
            set.end_cons();
            rdns.push_back(std::move(rdn));
        }
        seq.end_cons();
    } catch (const Botan::Exception&) {
        return "(unreadable name)";
    }
    std::string out;
    for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) {
        if (!out.empty()) out += ", ";
        out += *it;
    }
    return out;
}

}  // namespace ksc
