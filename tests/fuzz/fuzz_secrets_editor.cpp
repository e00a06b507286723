// libFuzzer entry for the secrets_editor target; the logic lives in fuzz_targets.hpp.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ksc::fuzz::fuzz_secrets_editor(data, size);  // the outcome is for the replay
    return 0;
}
