#include "pkcs12_kdf.hpp"

#include "ksc/error.hpp"
#include "ksc/keystore.hpp"

#include <botan/hash.h>

namespace ksc::detail {

namespace {

// `src` repeated to fill v * ceil(len / v) bytes (the RFC's S and P); empty stays empty.
void append_repeated(SecureBytes& out, ByteView src, size_t v) {
    if (src.empty()) return;
    const size_t total = v * ((src.size() + v - 1) / v);
    for (size_t i = 0; i < total; ++i) out.push_back(src[i % src.size()]);
}

}  // namespace

SecureBytes pkcs12_kdf(const std::string& hash, ByteView password_bmp, ByteView salt,
                       Pkcs12KdfId id, uint32_t iterations, size_t out_len) {
    if (iterations == 0 || iterations > max_pbe_iterations)
        fail_input("PKCS#12 key derivation: iteration count " + std::to_string(iterations) +
                   " is outside 1.." + std::to_string(max_pbe_iterations));
    if (out_len == 0 || out_len > 1024)
        fail_input("PKCS#12 key derivation: output length " + std::to_string(out_len) + " out of range");

    auto h = Botan::HashFunction::create_or_throw(hash);
    const size_t u = h->output_length();
    const size_t v = h->hash_block_size();
    if (u == 0 || v == 0) fail_input("PKCS#12 key derivation: unsuitable hash " + hash);

    const SecureBytes d(v, static_cast<uint8_t>(id));
    SecureBytes i_buf;  // I = S || P
    append_repeated(i_buf, salt, v);
    append_repeated(i_buf, password_bmp, v);

    SecureBytes out;
    SecureBytes a(u);
    SecureBytes b(v);
    while (true) {
        h->update(d);
        h->update(i_buf);
        h->final(a.data());
        for (uint32_t r = 1; r < iterations; ++r) {
            h->update(a);
            h->final(a.data());
        }
        const size_t take = std::min(u, out_len - out.size());
        out.insert(out.end(), a.begin(), a.begin() + static_cast<std::ptrdiff_t>(take));
        if (out.size() == out_len) return out;

        // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B = A repeated to v bytes.
        for (size_t k = 0; k < v; ++k) b[k] = a[k % u];
        for (size_t j = 0; j < i_buf.size(); j += v) {
            unsigned carry = 1;
            for (size_t k = v; k-- > 0;) {
                const unsigned sum = i_buf[j + k] + b[k] + carry;
                i_buf[j + k] = static_cast<uint8_t>(sum & 0xFF);
                carry = sum >> 8;
            }
        }
    }
}

}  // namespace ksc::detail
