// libFuzzer entry for the symmetric target; the logic lives in fuzz_targets.hpp.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ksc::fuzz::fuzz_symmetric(data, size);  // the outcome is for the replay
    return 0;
}
