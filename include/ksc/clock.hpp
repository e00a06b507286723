// The current time as UTC text, for journals, lock holders and backup names.
#pragma once
#include <string>

namespace ksc {

// strftime format over the current UTC time; the default is ISO-8601 ("2026-11-28T00:29:04Z").
std::string utc_now(const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace ksc
