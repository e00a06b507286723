#include "progress.hpp"

#include <cstdio>

namespace ksc::detail {

Progress::Progress(std::string what, int64_t total, bool terminal)
    : what_(std::move(what)), total_(total), terminal_(terminal),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t values) {
    done_ += values;
    const auto now = std::chrono::steady_clock::now();
    const auto every = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
    if (now - last_ >= every) {
        last_ = now;
        draw(false);
    }
}

void Progress::finish() {
    if (finished_) return;
    finished_ = true;
    if (done_ > 0 || terminal_) draw(true);
}

void Progress::draw(bool final_line) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
    const double eta = rate > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / rate : 0;
    const int pct = total_ > 0 ? static_cast<int>(100.0 * static_cast<double>(done_) / static_cast<double>(total_)) : 100;
    if (terminal_) {
        const int width = 30, filled = std::min(width, pct * width / 100);
        std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lld/%lld rows  %.0f/s  ETA %.0fs ", what_.c_str(), filled,
                     "##############################", width - filled, "", pct, static_cast<long long>(done_),
                     static_cast<long long>(total_), rate, eta);
        if (final_line) std::fprintf(stderr, "\n");
    } else {
        std::fprintf(stderr, "%s: %lld/%lld rows (%d%%), %.0f rows/s, ETA %.0f s\n", what_.c_str(),
                     static_cast<long long>(done_), static_cast<long long>(total_), pct, rate, eta);
    }
    std::fflush(stderr);
}

}  // namespace ksc::detail
