// libFuzzer entry for the json_values target; the logic lives in fuzz_targets.hpp.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ksc::fuzz::fuzz_json_values(data, size);  // the outcome is for the replay
    return 0;
}
