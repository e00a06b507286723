#include "ksc/password.hpp"

#include "ksc/error.hpp"

#include <botan/mem_ops.h>

namespace ksc {

namespace {

// Decodes UTF-8 to UTF-16 code units. Invalid UTF-8 is an input error: Java would
// have turned such bytes into U+FFFD and the result could never match the file.
template <class Emit>
void for_each_utf16_unit(const SecureBytes& s, Emit emit) {
    size_t i = 0;
    while (i < s.size()) {
        uint32_t cp;
        const uint8_t b = s[i];
        size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) fail_input("password is not valid UTF-8");
        cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
        for (size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) fail_input("password is not valid UTF-8");
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        i += len;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            emit(static_cast<uint16_t>(0xD800 + (cp >> 10)));
            emit(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            emit(static_cast<uint16_t>(cp));
        }
    }
}

}  // namespace

SecureBytes Password::utf16be() const {
    SecureBytes out;
    for_each_utf16_unit(utf8_, [&](uint16_t u) {
        out.push_back(static_cast<uint8_t>(u >> 8));
        out.push_back(static_cast<uint8_t>(u & 0xFF));
    });
    return out;
}

SecureBytes Password::pkcs12_bmp() const {
    // RFC 7292 B.1: a BMPString with its two-byte terminator; OpenSSL's command line
    // writes an empty password as just the terminator (00 00) too.
    SecureBytes out = utf16be();
    out.push_back(0);
    out.push_back(0);
    return out;
}

void wipe(std::string& s) noexcept {
    // resize() up to the capacity never reallocates: every byte the buffer holds becomes
    // part of the string, so the scrub reaches it.
    s.resize(s.capacity());
    Botan::secure_scrub_memory(s.data(), s.size());
    s.clear();
}

SecureBytes Password::low_bytes() const {
    SecureBytes out;
    for_each_utf16_unit(utf8_, [&](uint16_t u) { out.push_back(static_cast<uint8_t>(u & 0xFF)); });
    return out;
}

}  // namespace ksc
