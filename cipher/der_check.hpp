// A strictness gate in front of Botan's BER_Decoder for the PKCS#12 reader.
// Botan 2 does not reassemble constructed OCTET STRINGs and leaves the end marker of
// indefinite lengths in place, so BER that is not DER could be misparsed instead of
// rejected. Java and OpenSSL write DER; anything else is refused here with a clear message.
#pragma once
#include "ksc/bytes.hpp"

#include <string>

namespace ksc::detail {

// Nesting deeper than this is refused (real PKCS#12 files stay below 10 levels).
inline constexpr int max_der_depth = 32;

// Throws fail_input("<what>: ...") unless `der` is exactly one TLV that uses only
// definite lengths, single-byte tags and primitive string types, nested at most
// max_der_depth levels. Contents of OCTET STRINGs are not looked into: they are
// checked again when they are themselves parsed.
void require_der(ByteView der, const std::string& what);

}  // namespace ksc::detail
