// Secret text held in memory that is wiped when freed: passwords (with the encodings
// the keystore formats need), [secrets] values, AES key texts, and the text of
// deployment.toml itself. Never printed, never part of an error message. The one
// type for secret text: a moved-from Password holds nothing (its buffer moved), and
// its buffer is wiped whenever it is freed or grows.
#pragma once
#include "ksc/bytes.hpp"

#include <string>
#include <string_view>

namespace ksc {

class Password {
public:
    Password() = default;
    explicit Password(std::string_view utf8) : utf8_(utf8.begin(), utf8.end()) {}
    explicit Password(SecureBytes utf8) : utf8_(std::move(utf8)) {}

    const SecureBytes& utf8() const { return utf8_; }
    // The same bytes as text, for parsers and comparisons: a view, never to be copied
    // into a std::string that outlives the call.
    std::string_view text() const { return {reinterpret_cast<const char*>(utf8_.data()), utf8_.size()}; }
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

// Wipes a std::string that held secret text because a library takes or returns one
// (Botan's passphrases, toml++'s values): its whole buffer, up to capacity(). Wiping
// size() bytes is not enough: a moved-from or cleared short string keeps the old
// characters inside the object with a size of 0.
void wipe(std::string& s) noexcept;

// wipe(s) on every way out of a scope.
class WipeOnExit {
public:
    explicit WipeOnExit(std::string& s) : s_(s) {}
    ~WipeOnExit() { wipe(s_); }
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;

private:
    std::string& s_;
};

}  // namespace ksc
