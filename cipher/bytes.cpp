#include "ksc/bytes.hpp"

#include "ksc/error.hpp"

#include <fstream>
#include <system_error>

namespace ksc {

namespace {

// The one file reader: the bytes read straight into the caller's container, so a
// secret file is never copied through memory that is not wiped.
template <class Container>
Container read_into(const std::filesystem::path& path, size_t max_size) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        fail_input(path.string() + ": is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_input(path.string() + ": cannot be read (missing or no permission)");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<long long>(in.tellg());
    if (size < 0) fail_input(path.string() + ": cannot be read");
    if (static_cast<unsigned long long>(size) > max_size)
        fail_input(path.string() + ": too large (" + std::to_string(size) + " bytes)");
    in.seekg(0);
    Container out(static_cast<size_t>(size), 0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(out.data()), size))
        fail_input(path.string() + ": read error");
    return out;
}

}  // namespace

Bytes read_file(const std::filesystem::path& path, size_t max_size) { return read_into<Bytes>(path, max_size); }

std::string read_text_file(const std::filesystem::path& path, size_t max_size) {
    return read_into<std::string>(path, max_size);
}

SecureBytes read_secret_file(const std::filesystem::path& path, size_t max_size) {
    return read_into<SecureBytes>(path, max_size);
}

void ByteReader::need(size_t n) const {
    if (n > remaining())
        fail_input(what_ + ": truncated (needs " + std::to_string(n) + " bytes at offset " +
                   std::to_string(pos_) + ", " + std::to_string(remaining()) + " left)");
}

uint8_t ByteReader::u8() {
    need(1);
    return data_[pos_++];
}

uint16_t ByteReader::u16() {
    need(2);
    uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
}

uint32_t ByteReader::u32() {
    need(4);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_++];
    return v;
}

uint64_t ByteReader::u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | data_[pos_++];
    return v;
}

ByteView ByteReader::take(size_t n) {
    need(n);
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

size_t utf8_sequence(std::string_view in, size_t i, uint32_t* cp) {
    const auto b = static_cast<uint8_t>(in[i]);
    const size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > in.size()) return 0;
    uint32_t c = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (size_t k = 1; k < n; ++k) {
        const auto t = static_cast<uint8_t>(in[i + k]);
        if ((t & 0xC0) != 0x80) return 0;
        c = (c << 6) | (t & 0x3Fu);
    }
    static constexpr uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_for_length[n] || (c >= 0xD800 && c < 0xE000) || c > 0x10FFFF) return 0;
    *cp = c;
    return n;
}

bool is_text(std::string_view in) {
    for (size_t i = 0; i < in.size();) {
        uint32_t cp = 0;
        const size_t n = utf8_sequence(in, i, &cp);
        if (n == 0) return false;
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp < 0xA0)) return false;
        i += n;
    }
    return true;
}

}  // namespace ksc
