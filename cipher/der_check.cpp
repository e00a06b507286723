#include "der_check.hpp"

#include "ksc/error.hpp"

#include <string_view>

namespace ksc::detail {

namespace {

constexpr uint8_t constructed_bit = 0x20;

// Universal string types whose constructed (segmented) form BER allows.
bool is_string_type(uint8_t tag_number) {
    switch (tag_number) {
        case 0x03: case 0x04: case 0x0C: case 0x12: case 0x13: case 0x14:
        case 0x16: case 0x1A: case 0x1C: case 0x1E:
            return true;
        default:
            return false;
    }
}

void put_header(SecureBytes& out, uint8_t tag, size_t length) {
    out.push_back(tag);
    if (length < 0x80) {
        out.push_back(static_cast<uint8_t>(length));
        return;
    }
    uint8_t n = 0;
    for (size_t l = length; l; l >>= 8) ++n;
    out.push_back(static_cast<uint8_t>(0x80 | n));
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(length >> (8 * i)));
}

class Converter {
public:
    Converter(ByteView in, const std::string& what) : in_(in), what_(what) {}

    // Converts the item at `pos` (which must end by `end`), appends it to `out`, returns
    // the position after it. `join_into`: append only the contents (a string segment).
    size_t item(size_t pos, size_t end, int depth, SecureBytes& out, bool contents_only = false,
                uint8_t segment_of = 0) {
        if (depth > max_der_depth)
            fail_input(what_ + ": ASN.1 nesting deeper than " + std::to_string(max_der_depth) + " levels");
        if (pos >= end) fail_input(what_ + ": truncated ASN.1 (item missing)");
        const uint8_t tag = in_[pos++];
        if ((tag & 0x1F) == 0x1F) fail_input(what_ + ": unsupported multi-byte ASN.1 tag");
        if (tag == 0x00) fail_input(what_ + ": unexpected end-of-contents marker");
        if (segment_of && (tag & 0x1F) != segment_of)
            fail_input(what_ + ": a segment of a constructed string has another type");
        if (pos >= end) fail_input(what_ + ": truncated ASN.1 (length missing)");
        const uint8_t first = in_[pos++];
        const bool indefinite = first == 0x80;
        size_t length = 0;
        if (first < 0x80) {
            length = first;
        } else if (!indefinite) {
            const size_t n = first & 0x7Fu;
            if (n > 4) fail_input(what_ + ": ASN.1 length field too large");
            if (end - pos < n) fail_input(what_ + ": truncated ASN.1 (length cut short)");
            for (size_t i = 0; i < n; ++i) length = (length << 8) | in_[pos++];
        }
        // Short and long forms alike: an item never reaches past its parent's end.
        if (!indefinite && length > end - pos)
            fail_input(what_ + ": truncated ASN.1 (an item claims " + std::to_string(length) + " bytes, " +
                       std::to_string(end - pos) + " left)");
        const bool constructed = (tag & constructed_bit) != 0;
        if (indefinite && !constructed) fail_input(what_ + ": indefinite length on a primitive ASN.1 item");

        if (!constructed) {
            if (!contents_only) put_header(out, tag, length);
            out.insert(out.end(), in_.begin() + static_cast<std::ptrdiff_t>(pos),
                       in_.begin() + static_cast<std::ptrdiff_t>(pos + length));
            return pos + length;
        }
        // A constructed universal string is its segments' contents, joined.
        const bool joined = (tag & 0xC0) == 0 && is_string_type(tag & 0x1F);
        const size_t stop = indefinite ? end : pos + length;
        SecureBytes inner;
        while (true) {
            if (indefinite) {
                if (stop - pos >= 2 && in_[pos] == 0 && in_[pos + 1] == 0) {
                    pos += 2;
                    break;
                }
                if (pos >= stop) fail_input(what_ + ": truncated ASN.1 (end-of-contents marker missing)");
            } else if (pos == stop) {
                break;
            }
            pos = item(pos, stop, depth + 1, inner, joined, joined ? static_cast<uint8_t>(tag & 0x1F) : 0);
        }
        if (contents_only) {
            out.insert(out.end(), inner.begin(), inner.end());
        } else {
            put_header(out, joined ? static_cast<uint8_t>(tag & ~constructed_bit) : tag, inner.size());
            out.insert(out.end(), inner.begin(), inner.end());
        }
        return pos;
    }

private:
    ByteView in_;
    const std::string& what_;
};

}  // namespace

DerItem first_item_as_der(ByteView ber, const std::string& what) {
    if (ber.empty()) fail_input(what + ": empty ASN.1 data");
    DerItem r;
    r.consumed = Converter(ber, what).item(0, ber.size(), 0, r.der);
    return r;
}

SecureBytes as_der(ByteView ber, const std::string& what) {
    DerItem r = first_item_as_der(ber, what);
    if (r.consumed != ber.size())
        fail_input(what + ": " + std::to_string(ber.size() - r.consumed) + " unexpected bytes after the ASN.1 structure");
    return std::move(r.der);
}

std::string plain_reason(const std::exception& e) {
    const std::string_view m = e.what();
    for (std::string_view internal : {"assertion", "Assertion", ".cpp", "@", "Invalid argument", "identifers"})
        if (m.find(internal) != std::string_view::npos) return "";
    return m.size() <= 120 ? std::string(m) : "";
}

}  // namespace ksc::detail
