// libFuzzer entry for the ciphertext target; the logic lives in fuzz_targets.hpp.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return ksc::fuzz::fuzz_ciphertext(data, size);
}
