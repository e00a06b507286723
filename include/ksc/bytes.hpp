// Byte containers and a bounds-checked big-endian reader for binary formats.
#pragma once
#include <botan/secmem.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ksc {

using Bytes = std::vector<uint8_t>;
using SecureBytes = Botan::secure_vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Reads a whole file; missing/unreadable files and files above max_size are
// ErrorKind::input errors naming the path.
Bytes read_file(const std::filesystem::path& path, size_t max_size = 64u << 20);
// The same, as text (the bytes unchanged: no decoding, no newline conversion).
std::string read_text_file(const std::filesystem::path& path, size_t max_size = 64u << 20);
// The same into memory that is wiped when freed, for a file that holds secrets
// (deployment.toml: keep it in a Password).
SecureBytes read_secret_file(const std::filesystem::path& path, size_t max_size = 64u << 20);

// Big-endian cursor over untrusted bytes. Every read checks the remaining length
// and throws ErrorKind::input "<what>: truncated ..." instead of reading past the end,
// so a hostile length can never cause an over-read or a huge allocation.
class ByteReader {
public:
    ByteReader(ByteView data, std::string what) : data_(data), what_(std::move(what)) {}
    uint8_t u8();
    uint16_t u16();
    uint32_t u32();
    uint64_t u64();
    ByteView take(size_t n);   // n bytes (view into the input)
    size_t offset() const { return pos_; }
    size_t remaining() const { return data_.size() - pos_; }
    bool at_end() const { return pos_ == data_.size(); }

private:
    void need(size_t n) const;
    ByteView data_;
    size_t pos_ = 0;
    std::string what_;
};

// Appends one code point as UTF-8 (cp below 0x110000; surrogates are the caller's to refuse).
void append_utf8(std::string& out, uint32_t cp);

// The length of the well-formed UTF-8 sequence starting at in[i] (i < in.size(); its code
// point in *cp), or 0 when there is none: truncated, overlong, a surrogate or past U+10FFFF.
size_t utf8_sequence(std::string_view in, size_t i, uint32_t* cp);

// Well-formed UTF-8 with no control character but tab, CR and LF: what a secret typed
// into WSO2 (a password, a token, a client secret) is. A wrong key's "plaintext" almost
// never is (each random byte passes with odds of about 3 in 8).
bool is_text(std::string_view in);

}  // namespace ksc
