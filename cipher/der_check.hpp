// BER in front of Botan's BER_Decoder for the PKCS#12 reader. Java and OpenSSL write
// DER, but Bouncy Castle writes indefinite lengths and segmented OCTET STRINGs, which
// Java and OpenSSL read. Botan 2 does not reassemble constructed strings and leaves the
// end marker of indefinite lengths in place, so input is re-encoded as DER first and
// Botan only ever sees DER.
#pragma once
#include "ksc/bytes.hpp"

#include <string>

namespace ksc::detail {

// Nesting deeper than this is refused (real PKCS#12 files stay below 10 levels).
inline constexpr int max_der_depth = 32;

struct DerItem {
    SecureBytes der;      // the item as DER (SecureBytes: it may be a decrypted key)
    size_t consumed = 0;  // how many input bytes the item took
};

// The first BER item of `ber` as DER: definite minimal lengths, universal constructed
// strings joined into one primitive string. Contents of primitive items are copied
// unchanged (MACs and certificate thumbprints are over them), and not looked into:
// nested encodings in OCTET STRINGs are converted when they are themselves parsed.
// Throws fail_input("<what>: ...") on anything that is not BER (truncation, multi-byte
// tags, nesting deeper than max_der_depth).
DerItem first_item_as_der(ByteView ber, const std::string& what);

// Like first_item_as_der, but `ber` must be exactly one item ("N unexpected bytes after").
SecureBytes as_der(ByteView ber, const std::string& what);

// Botan's exception texts name its source files and assertions ("False assertion ...
// @src/lib/asn1/..."): the part a user can act on, or "" when there is none.
std::string plain_reason(const std::exception& e);

}  // namespace ksc::detail
