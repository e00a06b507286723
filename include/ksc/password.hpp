// A password held in memory that is wiped when freed, with the encodings the
// keystore formats need. Never printed, never part of an error message.
#pragma once
#include "ksc/bytes.hpp"

#include <string_view>

namespace ksc {

class Password {
public:
    Password() = default;
    explicit Password(std::string_view utf8) : utf8_(utf8.begin(), utf8.end()) {}
    explicit Password(SecureBytes utf8) : utf8_(std::move(utf8)) {}

    const SecureBytes& utf8() const { return utf8_; }
    // UTF-16BE code units, no terminator: JKS/JCEKS integrity and key protection.
    SecureBytes utf16be() const;
    // UTF-16BE plus two zero bytes: the RFC 7292 Appendix B KDF (empty password -> 00 00).
    SecureBytes pkcs12_bmp() const;
    // Java's char[] -> byte conversion for PBEWithMD5AndTripleDES: low byte of each UTF-16 unit.
    SecureBytes low_bytes() const;
    bool empty() const { return utf8_.empty(); }
    bool operator==(const Password& o) const { return utf8_ == o.utf8_; }

private:
    SecureBytes utf8_;
};

}  // namespace ksc
