#include "der_check.hpp"

#include "ksc/error.hpp"

namespace ksc::detail {

namespace {

constexpr uint8_t constructed_bit = 0x20;

// Universal string types whose constructed (segmented) form is BER only.
bool is_string_type(uint8_t tag_number) {
    switch (tag_number) {
        case 0x03: case 0x04: case 0x0C: case 0x12: case 0x13: case 0x14:
        case 0x16: case 0x1A: case 0x1C: case 0x1E:
            return true;
        default:
            return false;
    }
}

// Walks the TLVs in [pos, end) and returns nothing; throws on the first non-DER item.
void walk(ByteView der, size_t pos, size_t end, int depth, const std::string& what) {
    if (depth > max_der_depth)
        fail_input(what + ": ASN.1 nesting deeper than " + std::to_string(max_der_depth) + " levels");
    while (pos < end) {
        const uint8_t tag = der[pos++];
        if ((tag & 0x1F) == 0x1F) fail_input(what + ": unsupported multi-byte ASN.1 tag");
        if (tag == 0x00) fail_input(what + ": unexpected end-of-contents marker (BER, not DER)");
        if (pos >= end) fail_input(what + ": truncated ASN.1 (length missing)");
        const uint8_t first = der[pos++];
        size_t length = 0;
        if (first < 0x80) {
            length = first;
        } else if (first == 0x80) {
            fail_input(what + ": indefinite-length BER encoding is not supported "
                              "(only DER, as Java and OpenSSL write it)");
        } else {
            const size_t n = first & 0x7Fu;
            if (n > 4) fail_input(what + ": ASN.1 length field too large");
            if (end - pos < n) fail_input(what + ": truncated ASN.1 (length cut short)");
            for (size_t i = 0; i < n; ++i) length = (length << 8) | der[pos++];
        }
        if (length > end - pos)
            fail_input(what + ": truncated ASN.1 (an item claims " + std::to_string(length) +
                       " bytes, " + std::to_string(end - pos) + " left)");
        const bool constructed = (tag & constructed_bit) != 0;
        const bool universal = (tag & 0xC0) == 0;
        if (constructed && universal && is_string_type(tag & 0x1F))
            fail_input(what + ": constructed (segmented) string encoding is not supported "
                              "(only DER, as Java and OpenSSL write it)");
        if (constructed) walk(der, pos, pos + length, depth + 1, what);
        pos += length;
    }
}

}  // namespace

void require_der(ByteView der, const std::string& what) {
    if (der.empty()) fail_input(what + ": empty ASN.1 data");
    // Exactly one top-level item: read its header first so trailing bytes get their own message.
    size_t pos = 1;
    if (der.size() < 2) fail_input(what + ": truncated ASN.1 (length missing)");
    const uint8_t first = der[pos++];
    size_t length = first;
    if (first > 0x80 && first <= 0x84) {
        length = 0;
        for (size_t i = 0; i < (first & 0x7Fu) && pos < der.size(); ++i) length = (length << 8) | der[pos++];
    }
    if (first != 0x80 && first <= 0x84 && length <= der.size() - pos && pos + length < der.size())
        fail_input(what + ": " + std::to_string(der.size() - pos - length) +
                   " unexpected bytes after the ASN.1 structure");
    walk(der, 0, der.size(), 0, what);  // reports any other problem, including truncation
}

}  // namespace ksc::detail
