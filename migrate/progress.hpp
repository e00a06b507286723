// Internal: progress on stderr. On a terminal one line redrawn in place (values
// done, rate, ETA); otherwise a plain line every few seconds, for logs.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace ksc::detail {

class Progress {
public:
    Progress(std::string what, int64_t total, bool terminal);
    ~Progress();
    void advance(int64_t values);
    void finish();

private:
    void draw(bool final_line);
    std::string what_;
    int64_t total_, done_ = 0;
    bool terminal_, finished_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace ksc::detail
